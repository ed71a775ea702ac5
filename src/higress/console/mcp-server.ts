import type { KeyAuthRuleConfig, McpServerConfig } from '../../contracts/higress/index.js';
import { parse, stringify } from 'yaml';
import type { Ingress, RuleOf } from '../types.js';
import { consoleMeta, domainLabels, INTERNAL_SUFFIX } from './meta.js';

/**
 * Console MCP servers: Ingress `mcp-server-<n>.internal`, the form the Higress console lists under
 * "MCP servers" (higress-group/higress-console, backend/sdk/src/main/java/com/alibaba/higress/sdk/):
 * - `service/mcp/McpServerHelper.mcpServerName2RouteName` — the name; `McpServiceContextImpl` — the
 *   labels `higress.io/biz-type: mcp-server` and `higress.io/mcp-server-type` it lists by;
 * - `service/mcp/save/AbstractMcpServerSaveStrategy` — path `/mcp-servers/<n>`, the `mcp-server-match-rule-*`
 *   annotations and the key-auth rule;
 * - `service/mcp/save/DirectRoutingSaveStrategy` — `higress.io/rewrite-path` (the ONLY annotation that
 *   rewrites the request path, alibaba/higress `pkg/ingress/kube/annotations/rewrite.go`; the
 *   `mcp-server-path-rewrite-prefix` one only rewrites the SSE `endpoint` event,
 *   `plugins/golang-filter/mcp-session/common/match.go`), `upstream-vhost`, the upstream types.
 * The `higress.io/mcp-server*` annotations take effect only when ConfigMap `higress-config` has
 * `mcpServer.enable: true` (alibaba/higress `pkg/ingress/kube/configmap/mcp_server.go`); see
 * {@link mcpServerEnabled}.
 *
 * API for other kinds (AgentProduct's OPEN_API servers): {@link buildMcpServerIngress} with
 * `type: 'OPEN_API'` plus {@link openApiToolsRule} for WasmPlugin `mcp-server.internal`; both kinds get
 * {@link mcpKeyAuthRule} for `key-auth.internal`, merged through `shared-plugins.ts`.
 */

export const MCP_SERVER_PREFIX = 'mcp-server-';
export const mcpServerIngressName = (server: string) => `${MCP_SERVER_PREFIX}${server}${INTERNAL_SUFFIX}`;
export const mcpServerPath = (server: string) => `/mcp-servers/${server}`;

export type McpServerType = 'DIRECT_ROUTE' | 'OPEN_API';

export interface McpServerInput {
  namespace: string;
  /** Console server name `<n>`. */
  server: string;
  type: McpServerType;
  ingressClassName: string;
  domains: readonly string[];
  /** Gateway path; the console always uses `/mcp-servers/<n>`, which is the default. */
  path?: string;
  /** `higress.io/destination` target, `host:port`. */
  destination: string;
  description?: string;
  /** DIRECT_ROUTE only: upstream path the server serves (e.g. `/mcp`) and its host for `upstream-vhost`. */
  direct?: { path: string; transport: 'streamable' | 'sse'; upstreamHost?: string };
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function buildMcpServerIngress(input: McpServerInput): Ingress {
  const path = input.path ?? mcpServerPath(input.server);
  const annotations: Record<string, string> = {
    'higress.io/destination': input.destination,
    'higress.io/mcp-server': 'true',
    'higress.io/mcp-server-match-rule-domains': input.domains.length ? [...input.domains].sort().join(',') : '*',
    'higress.io/mcp-server-match-rule-type': 'prefix',
    'higress.io/mcp-server-match-rule-value': path,
    ...(input.description ? { 'higress.io/resource-description': input.description } : {}),
  };
  const d = input.direct;
  if (d) {
    Object.assign(annotations, {
      'higress.io/enable-rewrite': 'true',
      'higress.io/rewrite-path': d.path,
      'higress.io/mcp-server-enable-path-rewrite': 'true',
      'higress.io/mcp-server-path-rewrite-prefix': d.path,
      'higress.io/mcp-server-upstream-transport-type': d.transport,
      'higress.io/mcp-server-upstream-type': d.transport === 'streamable' ? 'streamable' : 'sse',
      ...(d.upstreamHost ? { 'higress.io/upstream-vhost': d.upstreamHost } : {}),
    });
  }
  const labels = { ...domainLabels(input.domains), 'higress.io/biz-type': 'mcp-server', 'higress.io/mcp-server-type': input.type, ...(input.labels ?? {}) };
  const paths = [
    {
      path,
      pathType: 'Prefix' as const,
      backend: { resource: { apiGroup: 'networking.higress.io' as const, kind: 'McpBridge' as const, name: 'default' as const } },
    },
  ];
  const hosts: (string | undefined)[] = input.domains.length ? [...input.domains].sort() : [undefined];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: consoleMeta(mcpServerIngressName(input.server), input.namespace, labels, { ...annotations, ...(input.annotations ?? {}) }),
    spec: { ingressClassName: input.ingressClassName, rules: hosts.map((host) => ({ ...(host ? { host } : {}), http: { paths } })) },
  };
}

/** The key-auth rule the console writes for an MCP server (allow-list empty, auth off unless granted). */
export function mcpKeyAuthRule(server: string, allow: readonly string[] = [], enabled = false): RuleOf<KeyAuthRuleConfig> {
  return { ingress: [mcpServerIngressName(server)], configDisable: !enabled, config: { allow: [...allow] } };
}

/** The OPEN_API tools of a server: one rule of WasmPlugin `mcp-server.internal`. */
export function openApiToolsRule(server: string, config: Omit<McpServerConfig, 'server'>): RuleOf<McpServerConfig> {
  return { ingress: [mcpServerIngressName(server)], configDisable: false, config: { server: { name: server }, ...config } };
}

/**
 * Whether `higress-config` turns the MCP annotations on: `data.higress` is YAML with `mcpServer.enable`
 * (alibaba/higress `pkg/ingress/kube/configmap/mcp_server.go`). Malformed YAML reads as "off", the answer
 * that makes us say so in a condition rather than claim a working route.
 */
export function mcpServerEnabled(higressConfigYaml: string | undefined): boolean {
  if (!higressConfigYaml) return false;
  try {
    const doc: unknown = parse(higressConfigYaml);
    const mcp = typeof doc === 'object' && doc !== null ? (doc as { mcpServer?: unknown }).mcpServer : undefined;
    return typeof mcp === 'object' && mcp !== null && (mcp as { enable?: unknown }).enable === true;
  } catch {
    return false;
  }
}

/**
 * `higress-config`'s `data.higress` with `mcpServer.enable: true`, every other key kept; undefined when
 * the document is not a YAML mapping (never overwrite what we cannot read). Pure.
 */
export function withMcpServerEnabled(higressConfigYaml: string | undefined): string | undefined {
  let doc: Record<string, unknown>;
  try {
    const parsed: unknown = parse(higressConfigYaml ?? '');
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) return undefined;
    doc = (parsed ?? {}) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const mcp = typeof doc.mcpServer === 'object' && doc.mcpServer !== null ? (doc.mcpServer as Record<string, unknown>) : {};
  return stringify({ ...doc, mcpServer: { ...mcp, enable: true } });
}
