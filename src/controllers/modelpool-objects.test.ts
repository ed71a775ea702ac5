import { describe, expect, it } from '@jest/globals';
import { MemoryApiServer } from '../../test/support/modelpool-harness.js';
import { modelPoolSchema } from '../api/v1alpha1/modelpool.js';
import { KubeClient, RequestStats } from '../kube/client.js';
import type { EventHandler, Informer } from '../kube/informer.js';
import { keyOf, type KubeObject } from '../kube/object.js';
import { Store } from '../kube/store.js';
import { renderModelPool } from '../reconcilers/modelpool.js';
import { PoolObjects } from './modelpool-objects.js';

// The operator's caches lag the API server (a watch delivers later): here the server keeps its own stores and the
// caches PoolObjects reads only change when the test delivers an event.
const serverSide = () => ({ store: new Store<KubeObject>(), hasSynced: () => true, syncFailure: () => undefined, addEventHandler: () => () => {} });

function laggingInformer() {
  const store = new Store<KubeObject>();
  const handlers: EventHandler<KubeObject>[] = [];
  const informer = {
    store,
    addEventHandler: (h: EventHandler<KubeObject>) => {
      handlers.push(h);
      return () => {};
    },
  } as unknown as Informer<KubeObject>;
  return {
    informer,
    /** The watch delivers `o` (added). */
    add: (o: KubeObject) => {
      store.upsert(o);
      for (const h of handlers) h.onAdd?.(o);
    },
    /** The watch delivers the deletion of `o`. */
    remove: (o: KubeObject) => {
      store.remove(keyOf(o));
      for (const h of handlers) h.onDelete?.(o);
    },
  };
}

function setup() {
  const server = { configmaps: serverSide(), ingresses: serverSide(), envoyfilters: serverSide() };
  const api = new MemoryApiServer(server);
  const reads: string[] = [];
  const request = api.request.bind(api);
  api.request = (method, path, body) => {
    if (method === 'GET') reads.push(path);
    return request(method, path, body);
  };
  const cms = laggingInformer();
  const ingresses = laggingInformer();
  const filters = laggingInformer();
  const objects = new PoolObjects(
    new KubeClient(api, new RequestStats()),
    { configMaps: cms.informer, ingresses: ingresses.informer, envoyFilters: filters.informer },
    () => Promise.resolve(false),
  );
  const pool = modelPoolSchema.parse({
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'ModelPool',
    metadata: { namespace: 'team-a', name: 'chat' },
    spec: { models: [{ name: 'llama', provider: { type: 'vllm', endpoint: 'http://vllm.ml.svc:8000/v1' } }] },
  });
  const render = renderModelPool(pool, { secrets: new Map() });
  return { api, reads, server, cms, ingresses, objects, render };
}

describe('PoolObjects before the watch shows its writes', () => {
  it('creates a new route without reading it first, and does not apply again before the cache shows it', async () => {
    const t = setup();
    expect((await t.objects.apply(t.render)).errors.size).toBe(0);
    const first = [...t.api.writes];
    expect(first.sort()).toEqual(
      [`PATCH configmaps/${t.render.configMaps[0]!.metadata.name}`, `PATCH ingresses/${t.render.ingresses[0]!.metadata.name}`].sort(),
    );
    // A second reconcile before any watch event: what our applies returned stands in for the cache.
    await t.objects.apply(t.render);
    expect(t.api.writes).toEqual(first);
    expect(t.reads).toEqual([]);
  });

  it('recreates an object deleted right after its create, once the watch has shown both', async () => {
    const t = setup();
    await t.objects.apply(t.render);
    const ingress = t.server.ingresses.store.list()[0]!;
    t.ingresses.add(ingress);
    t.server.ingresses.store.remove(keyOf(ingress)); // deleted by someone else
    t.ingresses.remove(ingress);
    t.api.writes.length = 0;
    await t.objects.apply(t.render);
    expect(t.api.writes).toEqual([`PATCH ingresses/${ingress.metadata.name}`]);
  });

  it('prunes what it wrote even while the cache has not shown it', async () => {
    const t = setup();
    await t.objects.apply(t.render);
    t.api.writes.length = 0;
    await t.objects.prune(t.render.owner, t.render.gatewayNamespace, undefined);
    expect(t.api.writes.sort()).toEqual(
      [`DELETE configmaps/${t.render.configMaps[0]!.metadata.name}`, `DELETE ingresses/${t.render.ingresses[0]!.metadata.name}`].sort(),
    );
  });
});
