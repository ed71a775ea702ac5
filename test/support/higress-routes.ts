import type { Ingress } from '../../src/higress/types.js';

/**
 * Which route Higress picks for a request among Ingresses, ported from alibaba/higress at the reference's pin
 * (v2.2.1, commit 4e0d69143208d713e88880d5af1c86f4386e425c) for tests that need the gateway's answer without a
 * gateway. What each step follows:
 * - `pkg/ingress/config/ingress_config.go` (`convertVirtualService`): Ingresses in creation order
 *   (`common.SortIngressByCreationTime`: creationTimestamp, then `name.namespace`), each converted per host,
 *   the annotations applied to the routes (`ApplyRoute`: header and method matches, `ignore-path-case`), then
 *   per host `common.SortHTTPRoutes` and the routes appended to the host's VirtualService in that order;
 * - `pkg/ingress/kube/ingressv1/controller.go` `ConvertHTTPRoute`: a Prefix path `/x` is the matches Exact `/x`
 *   and prefix `/x/`, `/` a plain prefix (`generateHttpMatches`); a rule whose `createRuleKey` (host, path type and
 *   path, `match-method`, every `*-match-header-*`/`*-match-query-*` annotation) equals an earlier Ingress's is a
 *   `DuplicatedRoute` and dropped;
 * - `pkg/ingress/kube/common/tool.go` `SortHTTPRoutes` (a stable sort): default backend last, a catch-all (Prefix `/`
 *   with no header, query or method match) next to last; otherwise Exact before Prefix before regex paths, the longer
 *   path first, a method match first (shorter method regex first), MORE HEADER MATCHES FIRST, more query matches first;
 * - `pkg/ingress/kube/annotations/match.go`: `higress.io/{exact|prefix|regex}-match-header-<name>`, `match-method`;
 *   `ignore_case.go`: `higress.io/ignore-path-case: "true"` ⇒ case-insensitive path; `destination.go`: the upstreams;
 * - Envoy: the first route whose matches all hold wins; a header regex (`safe_regex`) must match the whole value.
 * Not modelled (our objects use none): regex paths (`use-regex`), query and pseudo-header matches, canary
 * Ingresses, default backends. A request's host picks the VirtualService of that host, else the one of `*`.
 */

export interface HeaderMatch {
  name: string;
  type: 'exact' | 'prefix' | 'regex';
  value: string;
}

export interface TableRoute {
  /** Envoy route name (`common.GenerateUniqueRouteName`): the Ingress name in the system namespace, else `ns/name`. */
  name: string;
  host: string;
  pathType: 'Exact' | 'Prefix';
  /** `OriginPath`: a Prefix path without its trailing `/` (except `/` itself). */
  path: string;
  ignoreCase: boolean;
  headers: HeaderMatch[];
  methods: string[];
  /** `higress.io/destination` lines as `host:port`, weights dropped. */
  destinations: string[];
}

export interface RouteRequest {
  host?: string;
  method: string;
  /** `:path`, query included. */
  path: string;
  /** Lower-case names. */
  headers: Readonly<Record<string, string | undefined>>;
}

const MATCH_HEADER = /^higress\.io\/(exact|prefix|regex)-match-header-(.+)$/;

function matchesOf(annotations: Record<string, string>): { headers: HeaderMatch[]; methods: string[] } {
  const headers: HeaderMatch[] = [];
  for (const [k, v] of Object.entries(annotations)) {
    const m = MATCH_HEADER.exec(k);
    if (m) headers.push({ name: m[2]!.toLowerCase(), type: m[1] as HeaderMatch['type'], value: v });
    if (/^higress\.io\/(exact|prefix|regex)-match-(query|pseudo-header)-/.test(k)) throw new Error(`not modelled: ${k}`);
  }
  if (annotations['higress.io/use-regex'] === 'true') throw new Error('not modelled: higress.io/use-regex');
  const methods = (annotations['higress.io/match-method'] ?? '')
    .split(' ')
    .map((m) => m.toUpperCase())
    .filter(Boolean);
  return { headers, methods: [...new Set(methods)] };
}

/** `createRuleKey`: what makes two rules of different Ingresses the same route. */
function ruleKey(r: TableRoute): string {
  const headers = r.headers.map((h) => `${h.type}-${h.name}\t${h.value}`).sort();
  return [r.host, r.pathType, r.path, r.methods.join(' '), ...headers].join('\n');
}

function isAllCatch(r: TableRoute): boolean {
  return r.pathType === 'Prefix' && r.path === '/' && r.headers.length === 0 && r.methods.length === 0;
}

/** `SortHTTPRoutes`' less(i, j). */
function less(a: TableRoute, b: TableRoute): boolean {
  if (isAllCatch(a)) return false;
  if (isAllCatch(b)) return true;
  if (a.pathType === b.pathType) {
    if (a.path.length !== b.path.length) return a.path.length > b.path.length;
    const am = a.methods.join('|').length;
    const bm = b.methods.join('|').length;
    if (am !== bm) return am !== 0 && bm !== 0 ? am < bm : am !== 0;
    if (a.headers.length !== b.headers.length) return a.headers.length > b.headers.length;
    return false;
  }
  if (a.pathType === 'Exact') return true;
  return false; // only Exact and Prefix are modelled: a Prefix never sorts before an Exact
}

export type RouteTable = ReadonlyMap<string, readonly TableRoute[]>;

/** The routes of every host, in the order Envoy tries them. */
export function buildRouteTable(ingresses: readonly Ingress[], systemNamespace: string): RouteTable {
  const byCreation = [...ingresses].sort((x, y) => {
    const tx = String((x.metadata as { creationTimestamp?: string }).creationTimestamp ?? '');
    const ty = String((y.metadata as { creationTimestamp?: string }).creationTimestamp ?? '');
    if (tx !== ty) return tx < ty ? -1 : 1;
    const nx = `${x.metadata.name}.${x.metadata.namespace}`;
    const ny = `${y.metadata.name}.${y.metadata.namespace}`;
    return nx < ny ? -1 : nx > ny ? 1 : 0;
  });
  const table = new Map<string, TableRoute[]>();
  const seen = new Set<string>();
  for (const ing of byCreation) {
    const annotations = ing.metadata.annotations ?? {};
    const { headers, methods } = matchesOf(annotations);
    const destinations = (annotations['higress.io/destination'] ?? '')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .map((parts) => (parts[0]?.endsWith('%') ? parts[1] : parts[0]) ?? '')
      .filter(Boolean);
    const name = ing.metadata.namespace === systemNamespace ? ing.metadata.name : `${ing.metadata.namespace}/${ing.metadata.name}`;
    for (const rule of ing.spec.rules ?? []) {
      const host = rule.host ?? '*';
      for (const p of rule.http?.paths ?? []) {
        const pathType = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const path = pathType === 'Prefix' && p.path !== '/' ? p.path.replace(/\/+$/, '') : p.path;
        const route: TableRoute = {
          name,
          host,
          pathType,
          path,
          ignoreCase: annotations['higress.io/ignore-path-case'] === 'true',
          headers,
          methods,
          destinations,
        };
        const key = ruleKey(route);
        if (seen.has(key)) continue; // DuplicatedRoute: the older Ingress keeps it
        seen.add(key);
        table.set(host, [...(table.get(host) ?? []), route]);
      }
    }
  }
  for (const [host, routes] of table)
    table.set(
      host,
      [...routes].sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0)),
    );
  return table;
}

function pathMatches(r: TableRoute, rawPath: string): boolean {
  const norm = (s: string) => (r.ignoreCase ? s.toLowerCase() : s);
  const path = norm(rawPath.split('?')[0] ?? '');
  const want = norm(r.path);
  if (r.pathType === 'Exact') return path === want;
  return want === '/' ? path.startsWith('/') : path === want || path.startsWith(`${want}/`);
}

function headerMatches(h: HeaderMatch, headers: RouteRequest['headers']): boolean {
  const v = headers[h.name];
  if (v === undefined) return false;
  if (h.type === 'exact') return v === h.value;
  if (h.type === 'prefix') return v.startsWith(h.value);
  return new RegExp(`^(?:${h.value})$`).test(v);
}

/** The route Envoy takes for `req`, or undefined (Higress answers 404 `route_not_found`). */
export function resolveRoute(table: RouteTable, req: RouteRequest): TableRoute | undefined {
  const host = (req.host ?? '').replace(/:\d+$/, '');
  const routes = table.get(host) ?? table.get('*') ?? [];
  return routes.find(
    (r) =>
      pathMatches(r, req.path) &&
      (r.methods.length === 0 || r.methods.includes(req.method.toUpperCase())) &&
      r.headers.every((h) => headerMatches(h, req.headers)),
  );
}
