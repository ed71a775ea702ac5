import { z } from 'zod';
import { MCP_BRIDGE_NAME } from './upstream.js';

/**
 * McpBridge `default` as we write it (`networking.higress.io/v1`, reference §2.2): `dns`/`static` registries
 * only (those are the kinds the operator creates; nacos/consul/… need credentials we never hold). Fields
 * from `api/networking/v1/mcp_bridge.proto`; read by `registry/reconcile/reconcile.go` and
 * `registry/direct/watcher.go`. `protocol`/`sni` need Higress ≥ 2.0.1 (pruned by older CRDs).
 */

/** `registry/direct/watcher.go`: a DNS name per comma-separated entry, or `ip:port` list for static. */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;
const HOST_PORT = /^(\[[0-9a-f:.]+\]|[0-9.]+):[0-9]{1,5}$/i;

export const mcpBridgeRegistrySchema = z
  .strictObject({
    /** Unique; the Envoy service host is `<name>.<type>`. */
    name: z.string().min(1),
    type: z.enum(['dns', 'static']),
    domain: z.string().min(1),
    /** dns: upstream port; static: the service port exposed in Envoy (the console uses 80). */
    port: z.int().min(1).max(65535),
    /** `registry/reconcile/reconcile.go`: invalid ⇒ registry rejected; https ⇒ a TLS DestinationRule. */
    protocol: z.enum(['http', 'https', 'http2', 'grpc', 'grpcs', 'tcp', 'dubbo', 'triple', 'tri']).optional(),
    sni: z.string().min(1).optional(),
    proxyName: z.string().min(1).optional(),
  })
  .superRefine((r, ctx) => {
    const parts = r.domain.split(',').map((d) => d.trim());
    const ok = r.type === 'dns' ? DNS_NAME : HOST_PORT;
    for (const p of parts)
      if (!ok.test(p)) ctx.addIssue({ code: 'custom', path: ['domain'], message: `'${p}' is not a ${r.type === 'dns' ? 'DNS name' : 'ip:port'}` });
  });
export type McpBridgeRegistryContract = z.infer<typeof mcpBridgeRegistrySchema>;

export const mcpBridgeSchema = z.strictObject({
  apiVersion: z.literal('networking.higress.io/v1'),
  kind: z.literal('McpBridge'),
  metadata: z.looseObject({ name: z.literal(MCP_BRIDGE_NAME), namespace: z.string().min(1) }),
  spec: z.strictObject({
    registries: z.array(mcpBridgeRegistrySchema).refine((rs) => new Set(rs.map((r) => r.name)).size === rs.length, 'registries[].name must be unique'),
    proxies: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
});
export type McpBridgeObject = z.infer<typeof mcpBridgeSchema>;
