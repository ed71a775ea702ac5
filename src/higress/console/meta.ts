import { boundedName } from '../names.js';
import type { ObjectMeta } from '../types.js';

/**
 * Metadata conventions of the Higress console (higress-group/higress-console, paths under
 * backend/sdk/src/main/java/com/alibaba/higress/sdk/):
 * - `KubernetesClientService.renderDefaultMetadata` labels every object it writes
 *   `higress.io/resource-definer: higress` and, for names ending in `.internal`, adds label
 *   `higress.io/internal: "true"` and the `higress.io/comment` annotation;
 * - `KubernetesModelConverter.setDomainLabel` adds `higress.io/domain_<domain>: "true"` per route domain
 *   (`KubernetesUtil.normalizeDomainName`: a leading `*` becomes `wildcard`), and
 *   `higress-default-domain` when a route has none (`HigressConstants.DEFAULT_DOMAIN`).
 */
export const RESOURCE_DEFINER_LABEL = 'higress.io/resource-definer';
export const RESOURCE_DEFINER = 'higress';
export const INTERNAL_LABEL = 'higress.io/internal';
export const COMMENT_ANNOTATION = 'higress.io/comment';
export const INTERNAL_COMMENT = 'PLEASE DO NOT EDIT DIRECTLY. This resource is managed by Higress.';
export const INTERNAL_SUFFIX = '.internal';
export const DEFAULT_DOMAIN = 'higress-default-domain';
export const CONFIG_MAP_TYPE_LABEL = 'higress.io/config-map-type';

/** `metadata` as the console's `renderDefaultMetadata` leaves it, plus `labels`/`annotations` given. */
export function consoleMeta(name: string, namespace: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): ObjectMeta {
  const internal = name.endsWith(INTERNAL_SUFFIX);
  const ann = sortKeys({ ...annotations, ...(internal ? { [COMMENT_ANNOTATION]: INTERNAL_COMMENT } : {}) });
  return {
    name,
    namespace,
    labels: sortKeys({ ...labels, [RESOURCE_DEFINER_LABEL]: RESOURCE_DEFINER, ...(internal ? { [INTERNAL_LABEL]: 'true' } : {}) }),
    ...(Object.keys(ann).length ? { annotations: ann } : {}),
  };
}

/** `KubernetesUtil.normalizeDomainName`. */
export function normalizeDomain(domain: string): string {
  return domain.startsWith('*') ? `wildcard${domain.slice(1)}` : domain;
}

/** `higress.io/domain_<d>: "true"` for each domain, or the default-domain label when there is none. */
export function domainLabels(domains: readonly string[]): Record<string, string> {
  const list = domains.length ? domains : [DEFAULT_DOMAIN];
  return Object.fromEntries(list.map((d) => [`higress.io/domain_${normalizeDomain(d)}`, 'true']));
}

export function sortKeys<V>(r: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The console-side name of something of ours (an AI route, a provider, an MCP server): the project's
 * {@link boundedName} (DNS-label-safe, ends in a hash of the parts, stable) capped at 56 characters so
 * that the registry label `llm-<id>` of `llm-<id>.internal` stays a valid DNS label (≤ 63).
 */
export function consoleName(parts: readonly string[]): string {
  return boundedName(parts, 56);
}
