/**
 * The namespace Higress runs in — where the gateway reads its McpBridge, WasmPlugins and Ingresses. One
 * definition: the CRD defaults (`spec.gateway.namespace`), the McpBridge helpers and the operator's runtime
 * default all name this constant. Upstream Higress installs into `higress-system` (helm chart
 * `higress-core`, values `global.ingressClass`/namespace of the release; see docs/reference).
 */
export const DEFAULT_HIGRESS_NAMESPACE = 'higress-system';

/**
 * The operator's Higress namespace: `HIGRESS_NAMESPACE` (set by the manifests and the chart) when it is a
 * valid namespace name, else the default. Used for resources whose spec names no gateway namespace.
 */
export function higressNamespaceFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const value = env.HIGRESS_NAMESPACE?.trim();
  return value && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value) ? value : DEFAULT_HIGRESS_NAMESPACE;
}
