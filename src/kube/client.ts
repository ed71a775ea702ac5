import { createInterface } from 'node:readline';
import { apiErrorFrom, isNotFound, KubeApiError, reasonOf } from './errors.js';
import { counter } from './metrics.js';
import type { KubeObject } from './object.js';
import { apiVersionOf, resourceId, resourcePath, type ResourceType } from './resources.js';
import { mark, now, round, TIMELINE, traced, traceKey } from './timeline.js';
import { KubeConfigTransport, type KubeConfigSource, type Transport } from './transport.js';
import { errorMessage } from '../util/errors.js';
import { byCodeUnit } from '../util/order.js';

/** Request verbs as counted. `create|update|patch|delete` (and their status forms) are writes. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'updateStatus' | 'patch' | 'patchStatus' | 'delete';

const WRITE_VERBS: ReadonlySet<Verb> = new Set(['create', 'update', 'updateStatus', 'patch', 'patchStatus', 'delete']);
export const isWriteVerb = (v: Verb): boolean => WRITE_VERBS.has(v);

// `KUBE_TRACE_WRITES=1` prints every write with its call stack to stderr: the way to find who breaks
// a "zero writes on resync" test. Off by default; bodies may hold Secret values, so only their top-level keys are printed.
const TRACE_WRITES = process.env.KUBE_TRACE_WRITES === '1';
function traceWrite(method: string, path: string, body: unknown): void {
  const keys = body && typeof body === 'object' ? Object.keys(body).join(',') : '';
  process.stderr.write(`WRITE ${method} ${path} {${keys}}\n${new Error().stack?.split('\n').slice(2, 14).join('\n')}\n`);
}

/** The operator's field manager for server-side apply and managedFields attribution. */
export const FIELD_MANAGER = 'higress-ai-operator';

const requestsTotal = counter('higress_ai_operator_kube_requests_total', 'API-server requests by verb and resource', ['verb', 'resource', 'write'] as const);

/**
 * In-process request tally. Tests and benchmarks read it to prove that a resync writes nothing:
 * take `writeCount()` before, resync, assert the delta is 0.
 */
export class RequestStats {
  private readonly counts = new Map<string, number>();
  /** Write requests by namespace (namespaced paths only). */
  private readonly writesIn = new Map<string, number>();
  /** `<namespace> <verb> <resource>` counts (namespaced paths only). */
  private readonly countsIn = new Map<string, number>();

  record(verb: Verb, resource: string, namespace?: string): void {
    const k = `${verb} ${resource}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    if (namespace === undefined) return;
    this.countsIn.set(`${namespace} ${k}`, (this.countsIn.get(`${namespace} ${k}`) ?? 0) + 1);
    if (isWriteVerb(verb)) this.writesIn.set(namespace, (this.writesIn.get(namespace) ?? 0) + 1);
  }

  /**
   * Write requests so far; `excludeResources` takes ids like `coordination.k8s.io/leases`. `namespaces`: only
   * writes into these (an integration test's own namespaces: the API server and its other objects are shared).
   */
  writeCount(opts: { excludeResources?: readonly string[]; namespaces?: readonly string[] } = {}): number {
    if (opts.namespaces) return opts.namespaces.reduce((n, ns) => n + (this.writesIn.get(ns) ?? 0), 0);
    let n = 0;
    for (const [k, c] of this.counts) {
      const [verb, resource] = k.split(' ') as [Verb, string];
      if (isWriteVerb(verb) && !opts.excludeResources?.includes(resource)) n += c;
    }
    return n;
  }

  /** All counts as `{"patch networking.higress.io/mcpbridges": 3, …}`. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => byCodeUnit(a, b)));
  }

  /** The same, for requests on objects in `namespace` only (an integration test's own: others share the server). */
  snapshotIn(namespace: string): Record<string, number> {
    const prefix = `${namespace} `;
    return Object.fromEntries(
      [...this.countsIn]
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, n]) => [k.slice(prefix.length), n] as const)
        .sort(([a], [b]) => byCodeUnit(a, b)),
    );
  }
}

/** `/namespaces/<ns>/<plural>…`: a namespaced object's path (not a Namespace's own). */
const NAMESPACE_IN_PATH = /\/namespaces\/([^/?]+)\//;

/** Process-wide stats shared by every client unless one is given its own. */
export const globalRequestStats = new RequestStats();

/** Write requests made by any client in this process (see {@link RequestStats.writeCount}). */
export function writeCount(opts?: { excludeResources?: readonly string[]; namespaces?: readonly string[] }): number {
  return globalRequestStats.writeCount(opts);
}

export interface ListOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Page size; the client follows `continue` tokens and returns everything. */
  limit?: number | undefined;
  resourceVersion?: string | undefined;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface WatchOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  resourceVersion?: string | undefined;
  allowWatchBookmarks?: boolean | undefined;
  timeoutSeconds?: number | undefined;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface WriteOptions {
  fieldManager?: string | undefined;
  dryRun?: boolean | undefined;
}

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean | undefined;
  subresource?: 'status' | undefined;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' | undefined;
  /** Only delete this exact object (guards against deleting a re-created namesake). */
  preconditions?: { uid?: string; resourceVersion?: string } | undefined;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Thin typed client for any resource type. Every request is counted by verb (prom-client
 * `higress_ai_operator_kube_requests_total` and {@link RequestStats}). Errors are
 * {@link KubeApiError}s with a CamelCase `reason`; `get` and `delete` map 404 to `undefined`/`false`.
 */
export class KubeClient {
  constructor(
    private readonly transport: Transport,
    readonly stats: RequestStats = globalRequestStats,
  ) {}

  static fromKubeConfig(kc: KubeConfigSource, stats?: RequestStats): KubeClient {
    return new KubeClient(new KubeConfigTransport(kc), stats);
  }

  private count(verb: Verb, rt: ResourceType, path?: string): void {
    const resource = resourceId(rt);
    this.stats.record(verb, resource, path !== undefined ? NAMESPACE_IN_PATH.exec(path)?.[1] : undefined);
    requestsTotal.inc({ verb, resource, write: String(isWriteVerb(verb)) });
  }

  private async call<T>(verb: Verb, rt: ResourceType, method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    this.count(verb, rt, path);
    if (TRACE_WRITES && isWriteVerb(verb)) traceWrite(method, path, body);
    const trace = TIMELINE && (traceKey() !== undefined || traced(path)) ? now() : undefined;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const sent = trace !== undefined ? now() : 0;
    let res;
    try {
      res = await this.transport.request(method, path, payload, contentType);
    } catch (e) {
      // Network-level failure (refused, reset, timeout): no HTTP status, but still a reason.
      throw new KubeApiError(0, reasonOf(e) === 'InternalError' ? 'ConnectionFailed' : reasonOf(e), `${verb} ${rt.kind} ${path}: ${errorMessage(e)}`);
    }
    const received = trace !== undefined ? now() : 0;
    let parsed: unknown;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      parsed = undefined;
    }
    if (trace !== undefined) {
      const [, name = ''] = /\/([^/?]+)(?:\/status)?(?:\?.*)?$/.exec(path) ?? [];
      mark('api', {
        t0: round(trace),
        ms: round(now() - trace),
        verb,
        resource: rt.plural,
        name,
        status: res.status,
        reqBytes: payload?.length ?? 0,
        resBytes: res.body.length,
        // Serialising and parsing run on the event loop; the rest is the API server plus waiting for the loop.
        stringifyMs: round(sent - trace),
        roundTripMs: round(received - sent),
        parseMs: round(now() - received),
      });
    }
    if (res.status < 200 || res.status >= 300) throw apiErrorFrom(res.status, parsed, `${verb} ${rt.kind} ${path}`);
    return parsed as T;
  }

  /** Read one object; `undefined` when it does not exist. */
  async get<T extends KubeObject>(rt: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.call<T>('get', rt, 'GET', resourcePath(rt, { namespace, name }));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** List (all pages) and return items plus the list's resourceVersion (the point to watch from). */
  async list<T extends KubeObject>(rt: ResourceType, opts: ListOptions = {}): Promise<ListResult<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const path =
        resourcePath(rt, { namespace: opts.namespace }) +
        query({
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          limit: opts.limit,
          continue: cont,
          resourceVersion: cont ? undefined : opts.resourceVersion,
        });
      const page = await this.call<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>('list', rt, 'GET', path);
      const apiVersion = apiVersionOf(rt);
      // List items omit apiVersion/kind; fill them so cached objects look like single GETs.
      for (const item of page.items ?? []) items.push({ apiVersion, kind: rt.kind, ...item });
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  /**
   * Open a watch and deliver events until the server closes the stream (resolves), the signal aborts
   * (resolves) or the connection fails (rejects). An HTTP error status (e.g. 410 when the
   * resourceVersion is too old) rejects with a {@link KubeApiError}; an in-stream `ERROR` event is
   * delivered to `onEvent` with a Status object.
   */
  async watch<T extends KubeObject>(rt: ResourceType, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    this.count('watch', rt);
    const path =
      resourcePath(rt, { namespace: opts.namespace }) +
      query({
        watch: true,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowWatchBookmarks,
        timeoutSeconds: opts.timeoutSeconds,
      });
    let res;
    try {
      res = await this.transport.stream(path, signal);
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
    if (res.status !== 200 || !res.stream) {
      let body: unknown;
      try {
        body = res.errorBody ? JSON.parse(res.errorBody) : undefined;
      } catch {
        body = undefined;
      }
      throw apiErrorFrom(res.status, body, `watch ${rt.kind}`);
    }
    const stream = res.stream;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        const parseStart = TIMELINE ? now() : 0;
        const ev = JSON.parse(line) as WatchEvent<T>;
        if (TIMELINE && ev.type !== 'BOOKMARK') {
          const { namespace = '', name = '', resourceVersion } = ev.object.metadata ?? {};
          if (traced(`${rt.plural} ${namespace}/${name}`)) {
            mark('watch', {
              resource: rt.plural,
              name: `${namespace}/${name}`,
              type: ev.type,
              rv: resourceVersion,
              bytes: line.length,
              parseMs: round(now() - parseStart),
            });
          }
        }
        onEvent(ev);
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    } finally {
      stream.destroy();
    }
  }

  async create<T extends KubeObject>(rt: ResourceType, obj: T, opts: WriteOptions = {}): Promise<T> {
    const path = resourcePath(rt, { namespace: obj.metadata.namespace }) + writeQuery(opts);
    return this.call<T>('create', rt, 'POST', path, withTypeMeta(rt, obj));
  }

  /** PUT; optimistic concurrency via `metadata.resourceVersion` (409 Conflict when stale). */
  async update<T extends KubeObject>(rt: ResourceType, obj: T, opts: WriteOptions = {}): Promise<T> {
    const path = resourcePath(rt, { namespace: obj.metadata.namespace, name: requireName(obj) }) + writeQuery(opts);
    return this.call<T>('update', rt, 'PUT', path, withTypeMeta(rt, obj));
  }

  /** PUT to the status subresource. */
  async updateStatus<T extends KubeObject>(rt: ResourceType, obj: T, opts: WriteOptions = {}): Promise<T> {
    const path = resourcePath(rt, { namespace: obj.metadata.namespace, name: requireName(obj), subresource: 'status' }) + writeQuery(opts);
    return this.call<T>('updateStatus', rt, 'PUT', path, withTypeMeta(rt, obj));
  }

  async patch<T extends KubeObject>(
    rt: ResourceType,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    type: PatchType,
    opts: PatchOptions = {},
  ): Promise<T> {
    const path =
      resourcePath(rt, { namespace, name, subresource: opts.subresource }) +
      query({
        fieldManager: opts.fieldManager ?? (type === 'apply' ? FIELD_MANAGER : undefined),
        force: type === 'apply' ? opts.force : undefined,
        dryRun: opts.dryRun ? 'All' : undefined,
      });
    // JSON is valid YAML, so an apply patch is sent as JSON under the apply-patch+yaml content type.
    return this.call<T>(opts.subresource ? 'patchStatus' : 'patch', rt, 'PATCH', path, patch, PATCH_CONTENT_TYPE[type]);
  }

  /** Server-side apply of a whole object (as `FIELD_MANAGER` unless told otherwise). */
  async apply<T extends KubeObject>(rt: ResourceType, obj: T, opts: PatchOptions = {}): Promise<T> {
    return this.patch<T>(rt, requireName(obj), obj.metadata.namespace, withTypeMeta(rt, obj), 'apply', opts);
  }

  /** Delete; `false` when it was already gone. */
  async delete(rt: ResourceType, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<boolean> {
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.preconditions) body.preconditions = opts.preconditions;
    try {
      await this.call('delete', rt, 'DELETE', resourcePath(rt, { namespace, name }), body);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }
}

function writeQuery(opts: WriteOptions): string {
  return query({ fieldManager: opts.fieldManager ?? FIELD_MANAGER, dryRun: opts.dryRun ? 'All' : undefined });
}

function requireName(obj: KubeObject): string {
  const name = obj.metadata.name;
  if (!name) throw new KubeApiError(400, 'Invalid', 'object has no metadata.name');
  return name;
}

function withTypeMeta<T extends KubeObject>(rt: ResourceType, obj: T): T {
  return { ...obj, apiVersion: apiVersionOf(rt), kind: rt.kind };
}
