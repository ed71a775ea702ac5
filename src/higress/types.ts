/**
 * Plain-JSON shapes of the Higress objects the operator writes (only the fields it sets).
 * Field names follow reference §2 (CRDs at Higress v2.2.1).
 */

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type WasmPhase = 'UNSPECIFIED_PHASE' | 'AUTHN' | 'AUTHZ' | 'STATS';

/** One `matchRules[]` entry; at least one of ingress/domain/service must be non-empty. */
export interface MatchRule {
  ingress?: string[];
  domain?: string[];
  service?: string[];
  configDisable: boolean;
  config: Record<string, unknown>;
}

export interface WasmPlugin {
  apiVersion: 'extensions.higress.io/v1alpha1';
  kind: 'WasmPlugin';
  metadata: ObjectMeta;
  spec: {
    url: string;
    phase: WasmPhase;
    priority: number;
    failStrategy: 'FAIL_OPEN' | 'FAIL_CLOSE';
    imagePullPolicy?: 'UNSPECIFIED_POLICY' | 'IfNotPresent' | 'Always';
    defaultConfigDisable: boolean;
    defaultConfig?: Record<string, unknown>;
    matchRules: MatchRule[];
  };
}

/** One `McpBridge.spec.registries[]` entry of type dns or static. */
export interface McpBridgeRegistry {
  name: string;
  type: 'dns' | 'static';
  domain: string;
  port: number;
  protocol: 'http' | 'https';
  sni?: string;
}

export interface Ingress {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'Ingress';
  metadata: ObjectMeta;
  spec: {
    ingressClassName: string;
    rules: {
      host?: string;
      http: {
        paths: {
          path: string;
          pathType: 'Prefix' | 'Exact' | 'ImplementationSpecific';
          backend: { resource: { apiGroup: 'networking.higress.io'; kind: 'McpBridge'; name: 'default' } };
        }[];
      };
    }[];
  };
}

/** Reference to any generated object (what a pool's status lists). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Istio EnvoyFilter (networking.istio.io/v1alpha3), only the HTTP_ROUTE merge patches the operator writes. */
export interface EnvoyFilter {
  apiVersion: 'networking.istio.io/v1alpha3';
  kind: 'EnvoyFilter';
  metadata: ObjectMeta;
  spec: {
    configPatches: {
      applyTo: 'HTTP_ROUTE';
      match: { context: 'GATEWAY'; routeConfiguration: { vhost: { route: { name: string } } } };
      patch: { operation: 'MERGE'; value: Record<string, unknown> };
    }[];
  };
}
