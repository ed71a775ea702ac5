import { createHash } from 'node:crypto';
import type { McpBridgeRegistry } from './types.js';

/**
 * Prefix of names the operator gives objects the console has no form for (e.g. runtime workloads).
 * Gateway objects take the console's own names instead (src/higress/console/, ADR 0003).
 */
export const NAME_PREFIX = 'aiop';

const hash8 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);

/**
 * Join parts into a DNS-label-safe name of at most `max` characters, ending in an 8-hex hash of the
 * original parts. The hash is always there because dash-joining is ambiguous (`a-b`+`c` vs `a`+`b-c`) and
 * sanitising is lossy (`GPT-4o` vs `gpt-4o`); with it, distinct inputs never share a name, and truncating
 * long inputs is safe.
 */
export function boundedName(parts: readonly string[], max = 63): string {
  const clean = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  const suffix = hash8(JSON.stringify(parts));
  const head = clean.slice(0, max - suffix.length - 1).replace(/-+$/, '');
  return head ? `${head}-${suffix}` : suffix;
}

/**
 * Envoy route name of an Ingress (reference §3.3): the bare name in the Higress system namespace,
 * `<namespace>/<name>` elsewhere. This is what WasmPlugin `matchRules[].ingress` must contain.
 */
export function routeName(ingressNamespace: string, ingressName: string, systemNamespace: string): string {
  return ingressNamespace === systemNamespace ? ingressName : `${ingressNamespace}/${ingressName}`;
}

/** Envoy service host of an McpBridge registry (reference §2.2): `<name>.<type>`. */
export function serviceHost(reg: Pick<McpBridgeRegistry, 'name' | 'type'>): string {
  return `${reg.name}.${reg.type}`;
}

/** `higress.io/destination` target for a registry: `<name>.<type>:<port>` (static registries use port 80). */
export function destination(reg: McpBridgeRegistry): string {
  return `${serviceHost(reg)}:${reg.type === 'static' ? 80 : reg.port}`;
}
