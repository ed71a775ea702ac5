import { KubeClient, RequestStats } from '../../src/kube/client.js';
import type { Informer } from '../../src/kube/informer.js';
import { keyOf, makeKey, type KubeObject } from '../../src/kube/object.js';
import { Store } from '../../src/kube/store.js';
import type { RawResponse, StreamResponse, Transport } from '../../src/kube/transport.js';
import { createLogger } from '../../src/util/log.js';
import { ModelPoolController, type EventSink, type ModelPoolObject } from '../../src/controllers/modelpool.js';

/**
 * A whole ModelPoolController over caches fed by an in-memory API server whose writes land in the caches at once
 * (a watch without latency). One pool `team-a/chat` (one OpenAI model, Secret `openai`); `finalizers` puts some on it
 * (ours only comes from operator versions before ADR 0008).
 */

export const GW = 'higress-system';
export const POOL_KEY = 'team-a/chat';

type Cache = { store: Store<KubeObject>; hasSynced(): boolean; syncFailure(): unknown; addEventHandler(): () => void };
// No events: the server's writes are in the store before the write returns, so nothing waits for one.
const cache = (): Cache => ({ store: new Store<KubeObject>(), hasSynced: () => true, syncFailure: () => undefined, addEventHandler: () => () => {} });

/** resourceVersions unique across servers, as a cluster's are: caches keyed by object version must not collide. */
let servers = 0;

export class MemoryApiServer implements Transport {
  readonly writes: string[] = [];
  private rv = 100 + 100_000 * servers++;
  constructor(private readonly caches: Record<string, Cache>) {}

  request(method: string, path: string, body?: string): Promise<RawResponse> {
    const parts = path.split('?')[0]!.split('/');
    const at = parts.indexOf('namespaces');
    const [namespace, plural, name, sub] = [parts[at + 1]!, parts[at + 2]!, parts[at + 3], parts[at + 4]];
    const store = this.caches[plural]?.store;
    if (!store) return Promise.resolve(notFound());
    const key = makeKey(namespace, name ?? '');
    if (method === 'GET') {
      const found = store.get(key);
      return Promise.resolve(found ? { status: 200, body: JSON.stringify(found) } : notFound());
    }
    this.writes.push(`${method} ${plural}/${name ?? ''}`);
    if (method === 'DELETE') {
      store.remove(key);
      return Promise.resolve({ status: 200, body: '{}' });
    }
    const sent = JSON.parse(body ?? '{}') as KubeObject & { status?: unknown };
    const old = store.get(name ? key : keyOf(sent)); // a POST names the object in its body only
    // A merge patch (a finalizer's) names no kind; server-side applies and PUTs send whole objects.
    const object = sub === 'status' && old ? { ...old, status: sent.status } : method === 'PATCH' && old && !sent.kind ? mergePatch(old, sent) : sent;
    object.metadata = { ...object.metadata, uid: old?.metadata.uid ?? `uid-${plural}-${sent.metadata.name}`, resourceVersion: String(++this.rv) };
    store.upsert(object);
    return Promise.resolve({ status: 200, body: JSON.stringify(object) });
  }

  stream(): Promise<StreamResponse> {
    return Promise.reject(new Error('no watches here'));
  }

  /** Someone else's write: a new version in the cache. */
  edit<T extends KubeObject>(plural: string, key: string, change: (o: T) => T): void {
    const store = this.caches[plural]!.store;
    const next = change(structuredClone(store.get(key)) as T);
    next.metadata.resourceVersion = String(++this.rv);
    store.upsert(next);
  }
}

/** RFC 7386 JSON merge patch. */
function mergePatch<T>(target: T, patch: unknown): T {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch as T;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out as T;
}

const notFound = (): RawResponse => ({ status: 404, body: JSON.stringify({ kind: 'Status', reason: 'NotFound', code: 404 }) });

export function setupPoolController({
  finalizers,
  ...opts
}: { pendingStatusDelayMs?: number; finalizers?: string[]; event?: EventSink; servedGatewayNamespace?: string } = {}) {
  const caches = {
    modelpools: cache(),
    secrets: cache(),
    configmaps: cache(),
    ingresses: cache(),
    envoyfilters: cache(),
    wasmplugins: cache(),
    mcpbridges: cache(),
  };
  const server = new MemoryApiServer(caches);
  const queue = new Set<string>();
  const informer = <T extends KubeObject>(c: Cache) => c as unknown as Informer<T>;
  // A new controller over the same caches and server: what an operator restart (or a new leader) starts with.
  const build = () =>
    new ModelPoolController({
      client: new KubeClient(server, new RequestStats()),
      pools: informer(caches.modelpools),
      secrets: caches.secrets,
      configMaps: informer(caches.configmaps),
      ingresses: informer(caches.ingresses),
      envoyFilters: informer(caches.envoyfilters),
      wasmPlugins: informer(caches.wasmplugins),
      mcpBridges: informer(caches.mcpbridges),
      crds: { store: { get: (name) => ({ metadata: { name } }) }, isSynced: () => true },
      enqueue: (key) => queue.add(key),
      log: createLogger('test', 'silent'),
      ...opts,
    });
  let controller = build();
  caches.secrets.store.upsert({ metadata: { namespace: 'team-a', name: 'openai', resourceVersion: '1' }, data: { apiKey: btoa('sk-1') } } as KubeObject);
  caches.modelpools.store.upsert({
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'ModelPool',
    metadata: { namespace: 'team-a', name: 'chat', uid: 'pool-uid', generation: 1, resourceVersion: '1', ...(finalizers ? { finalizers } : {}) },
    spec: { models: [{ name: 'gpt-4o', provider: { type: 'openai', credentials: { secretRef: { name: 'openai', key: 'apiKey' } } } }] },
  } as KubeObject);
  /** Work the queue (the pool first) until nothing is queued. */
  const settle = async (first: string[] = [POOL_KEY]) => {
    for (const k of first) queue.add(k);
    for (let round = 0; queue.size && round < 20; round++) {
      const keys = [...queue];
      queue.clear();
      for (const k of keys) await t.controller.reconcile(k);
    }
  };
  const ready = () => (caches.modelpools.store.get(POOL_KEY) as ModelPoolObject).status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const t = {
    caches,
    server,
    settle,
    ready,
    queue,
    get controller() {
      return controller;
    },
    restart: () => (controller = build()),
  };
  return t;
}
