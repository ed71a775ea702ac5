/**
 * Resource types the kit talks to, described explicitly (group, version, plural, scope) instead of
 * discovered at run time: the operator knows every kind it touches, and skipping discovery keeps the
 * request count (which the tests assert on) limited to real object traffic.
 */
export interface ResourceType {
  /** API group; `''` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Lower-case plural used in URLs, e.g. `mcpbridges`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/** `group/version`, or `version` for the core group — the value of an object's `apiVersion`. */
export function apiVersionOf(rt: ResourceType): string {
  return rt.group === '' ? rt.version : `${rt.group}/${rt.version}`;
}

/** Short stable id used in metric labels and logs, e.g. `networking.higress.io/mcpbridges`. */
export function resourceId(rt: ResourceType): string {
  return rt.group === '' ? rt.plural : `${rt.group}/${rt.plural}`;
}

export interface PathParts {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: 'status' | undefined;
}

/** URL path for a collection or one object (optionally its status subresource). Pure. */
export function resourcePath(rt: ResourceType, parts: PathParts = {}): string {
  const root = rt.group === '' ? `/api/${rt.version}` : `/apis/${rt.group}/${rt.version}`;
  let path = root;
  if (rt.namespaced && parts.namespace !== undefined && parts.namespace !== '') {
    path += `/namespaces/${encodeURIComponent(parts.namespace)}`;
  }
  path += `/${rt.plural}`;
  if (parts.name !== undefined) {
    if (parts.name === '') throw new Error(`empty name for ${rt.kind}`);
    path += `/${encodeURIComponent(parts.name)}`;
    if (parts.subresource) path += `/${parts.subresource}`;
  }
  return path;
}

function rt(group: string, version: string, kind: string, plural: string, namespaced = true): ResourceType {
  return Object.freeze({ group, version, kind, plural, namespaced });
}

/** Built-in and Higress kinds the operator touches. CR kinds of our own API live in src/api. */
export const Resources = {
  Namespace: rt('', 'v1', 'Namespace', 'namespaces', false),
  Secret: rt('', 'v1', 'Secret', 'secrets'),
  ConfigMap: rt('', 'v1', 'ConfigMap', 'configmaps'),
  Service: rt('', 'v1', 'Service', 'services'),
  PersistentVolumeClaim: rt('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims'),
  Deployment: rt('apps', 'v1', 'Deployment', 'deployments'),
  Event: rt('', 'v1', 'Event', 'events'),
  Lease: rt('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  Ingress: rt('networking.k8s.io', 'v1', 'Ingress', 'ingresses'),
  WasmPlugin: rt('extensions.higress.io', 'v1alpha1', 'WasmPlugin', 'wasmplugins'),
  McpBridge: rt('networking.higress.io', 'v1', 'McpBridge', 'mcpbridges'),
  EnvoyFilter: rt('networking.istio.io', 'v1alpha3', 'EnvoyFilter', 'envoyfilters'),
  CustomResourceDefinition: rt('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false),
} as const;

/** Describe a custom resource type (e.g. our `ai.higress.io/v1alpha1` kinds). */
export function customResource(group: string, version: string, kind: string, plural: string, namespaced = true): ResourceType {
  return rt(group, version, kind, plural, namespaced);
}
