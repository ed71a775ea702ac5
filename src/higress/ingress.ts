import type { Ingress, ObjectMeta } from './types.js';

/** Header model-router writes the body `model` into (reference §3.5). */
export const MODEL_HEADER = 'x-higress-llm-model';

export interface WeightedDestination {
  /** `<service>:<port>` as produced by names.destination(). */
  target: string;
  weight: number;
}

export interface RetryPolicy {
  attempts: number;
  timeoutSeconds: number;
  on: readonly string[];
}

export interface RouteIngressInput {
  metadata: ObjectMeta;
  ingressClassName: string;
  hosts?: readonly string[] | undefined;
  path: string;
  destinations: readonly WeightedDestination[];
  /** Exact header matches added to every path, e.g. `{ 'x-higress-llm-model': 'gpt-4o' }`. */
  exactHeaders?: Readonly<Record<string, string>>;
  retries?: RetryPolicy | undefined;
  timeoutSeconds?: number | undefined;
}

/**
 * `higress.io/destination` value (reference §3.1): one target ⇒ `host:port`; several ⇒ `W% host:port`
 * lines whose weights are scaled to sum to exactly 100 (largest remainder), zero weights dropped.
 */
export function destinationAnnotation(dests: readonly WeightedDestination[]): string {
  const live = dests.filter((d) => d.weight > 0);
  if (live.length === 0) throw new Error('destination needs at least one target with weight > 0');
  if (live.length === 1) return live[0]!.target;
  const pct = percentages(live.map((d) => d.weight));
  return live.map((d, i) => `${pct[i]}% ${d.target}`).join('\n');
}

/**
 * Positive weights scaled to integer percentages summing to exactly 100 (largest remainder; ties to the
 * earlier entry). The console rejects AI-route upstream weights that do not sum to 100 (`AiRoute.validate`).
 */
export function percentages(weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (w * 100) / total);
  const pct = exact.map(Math.floor);
  let rest = 100 - pct.reduce((s, p) => s + p, 0);
  const order = exact.map((e, i) => ({ i, frac: e - Math.floor(e) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (rest-- <= 0) break;
    pct[i]! += 1;
  }
  return pct;
}

/** Ingress routed to McpBridge services with Higress annotations (reference §3.1, §3.2, §7.2). */
export function buildRouteIngress(input: RouteIngressInput): Ingress {
  const annotations: Record<string, string> = {
    'higress.io/destination': destinationAnnotation(input.destinations),
    'higress.io/ignore-path-case': 'false',
  };
  for (const [header, value] of Object.entries(input.exactHeaders ?? {})) {
    annotations[`higress.io/exact-match-header-${header}`] = value;
  }
  if (input.retries) {
    annotations['higress.io/proxy-next-upstream-tries'] = String(input.retries.attempts);
    annotations['higress.io/proxy-next-upstream-timeout'] = String(input.retries.timeoutSeconds);
    annotations['higress.io/proxy-next-upstream'] = input.retries.on.join(',');
  }
  if (input.timeoutSeconds !== undefined) annotations['higress.io/timeout'] = String(input.timeoutSeconds);
  const paths = [
    {
      path: input.path,
      pathType: 'Prefix' as const,
      backend: { resource: { apiGroup: 'networking.higress.io' as const, kind: 'McpBridge' as const, name: 'default' as const } },
    },
  ];
  const hosts = input.hosts?.length ? [...input.hosts].sort() : [undefined];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { ...input.metadata, annotations: { ...sortKeys(annotations), ...input.metadata.annotations } },
    spec: {
      ingressClassName: input.ingressClassName,
      rules: hosts.map((host) => ({ ...(host ? { host } : {}), http: { paths } })),
    },
  };
}

function sortKeys(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
}
