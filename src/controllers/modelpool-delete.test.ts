import { describe, expect, it } from '@jest/globals';
import { GW, POOL_KEY, setupPoolController as setup } from '../../test/support/modelpool-harness.js';
import { PUBLISH_FINALIZER } from '../api/v1alpha1/publish.js';
import { FINALIZER } from '../kube/finalizers.js';
import type { KubeObject } from '../kube/object.js';
import { GATEWAY_PREFIX, type ModelPoolObject } from './modelpool.js';

/**
 * A ModelPool holds no finalizer (ADR 0008): its routes carry its mark and the shared objects keep live pools' entries
 * only, so what it generated is found again when it is gone, whenever that is seen (its delete event, or the routes'
 * events when the operator starts after it was deleted).
 */

type Providers = KubeObject & { spec: { defaultConfig?: { providers?: { id: string }[] } } };
const providers = (t: ReturnType<typeof setup>) =>
  (t.caches.wasmplugins.store.get(`${GW}/ai-proxy.internal`) as Providers | undefined)?.spec.defaultConfig?.providers?.map((p) => p.id) ?? [];
const routeObjects = (t: ReturnType<typeof setup>) => t.caches.configmaps.store.size + t.caches.ingresses.store.size;
const deleting = (t: ReturnType<typeof setup>) =>
  t.server.edit<ModelPoolObject>('modelpools', POOL_KEY, (p) => {
    Object.assign(p.metadata, { deletionTimestamp: '2026-12-01T00:00:00Z' }); // as the API server sends it
    return p;
  });

/** spec.gateway.namespace changed to `gw` (a new generation), as the API server would store it. */
const moveTo = (t: ReturnType<typeof setup>, gw: string) =>
  t.server.edit<ModelPoolObject>('modelpools', POOL_KEY, (p) => ({
    ...p,
    metadata: { ...p.metadata, generation: 2 },
    spec: { ...p.spec, gateway: { ...p.spec.gateway, namespace: gw } },
  }));

describe('ModelPool deletion', () => {
  it('a new pool is Ready without any write to the pool but its status', async () => {
    const t = setup({ pendingStatusDelayMs: 0 });
    await t.settle();
    expect(t.ready()).toBe('True');
    // The memory server logs a status PUT as `PUT modelpools/chat`; a finalizer would be a PATCH.
    const poolWrites = t.server.writes.filter((w) => w.includes('modelpools/'));
    expect(poolWrites.length).toBeGreaterThan(0);
    expect(poolWrites.filter((w) => w !== 'PUT modelpools/chat')).toEqual([]);
    expect((t.caches.modelpools.store.get(POOL_KEY) as ModelPoolObject).metadata.finalizers).toBeUndefined();
  });

  it('a pool gone from the cache loses its routes, and its gateway pass drops its shared entries', async () => {
    const t = setup({ pendingStatusDelayMs: 0 });
    await t.settle();
    expect(routeObjects(t)).toBe(2);
    expect(providers(t)).toHaveLength(1);

    t.caches.modelpools.store.remove(POOL_KEY); // deleted: the API server and the cache agree
    t.queue.clear();
    await t.controller.reconcile(POOL_KEY);
    expect(routeObjects(t)).toBe(0);
    expect([...t.queue]).toEqual([GATEWAY_PREFIX + GW]);
    await t.settle([]);
    expect(providers(t)).toEqual([]);
  });

  it('the same after a restart: the routes of a pool deleted while the operator was down bring its key back', async () => {
    const t = setup({ pendingStatusDelayMs: 0 });
    await t.settle();
    t.caches.modelpools.store.remove(POOL_KEY);
    t.restart(); // nothing of the pool in memory: only its routes in the caches
    await t.settle([POOL_KEY, GATEWAY_PREFIX + GW]);
    expect(routeObjects(t)).toBe(0);
    expect(providers(t)).toEqual([]);
  });

  it('says in an Event on the pool when its routes cannot be deleted, and tries again', async () => {
    const events: string[] = [];
    const t = setup({ pendingStatusDelayMs: 0, event: (o, type, reason, message) => void events.push(`${o.metadata.name} ${type} ${reason}: ${message}`) });
    await t.settle();
    t.caches.modelpools.store.remove(POOL_KEY);
    const request = t.server.request.bind(t.server);
    const forbidden = { status: 403, body: JSON.stringify({ kind: 'Status', reason: 'Forbidden', code: 403, message: 'ingresses is forbidden' }) };
    t.server.request = (method, path, body) => (method === 'DELETE' ? Promise.resolve(forbidden) : request(method, path, body));
    await expect(t.controller.reconcile(POOL_KEY)).rejects.toMatchObject({ reason: 'Forbidden' });
    expect(events.at(-1)).toMatch(/^chat Warning CleanupFailed: its routes in higress-system could not be deleted: .*forbidden/);
    expect(routeObjects(t)).toBe(2);

    t.server.request = request;
    await t.controller.reconcile(POOL_KEY);
    expect(routeObjects(t)).toBe(0);
  });

  it('keeps the routes of a pool the cache has not shown yet but the API server has', async () => {
    const t = setup({ pendingStatusDelayMs: 0 });
    await t.settle();
    const pool = t.caches.modelpools.store.get(POOL_KEY)!;
    t.caches.modelpools.store.remove(POOL_KEY); // the pools' watch behind the routes' (a new leader's caches)
    const request = t.server.request.bind(t.server);
    t.server.request = (method, path, body) =>
      method === 'GET' && path.includes('/modelpools/chat') ? Promise.resolve({ status: 200, body: JSON.stringify(pool) }) : request(method, path, body);
    const before = t.server.writes.length;
    await t.controller.reconcile(POOL_KEY);
    expect(t.server.writes.slice(before)).toEqual([]);
    expect(routeObjects(t)).toBe(2);
  });

  it('a pool moved to another gateway namespace leaves nothing in the old one', async () => {
    const t = setup({ pendingStatusDelayMs: 0 });
    await t.settle();
    moveTo(t, 'gw2');
    await t.settle([POOL_KEY, GATEWAY_PREFIX + GW]); // the update event queues both gateways
    expect([...t.caches.configmaps.store.keys(), ...t.caches.ingresses.store.keys()].map((k) => k.split('/')[0])).toEqual(['gw2', 'gw2']);
    expect(providers(t)).toEqual([]);
    expect(t.ready()).toBe('True');
  });

  it('an operator serving one gateway namespace takes the routes of a pool moved out of it', async () => {
    const t = setup({ pendingStatusDelayMs: 0, servedGatewayNamespace: GW });
    await t.settle();
    expect(routeObjects(t)).toBe(2);
    moveTo(t, 'gw2');
    await t.settle([POOL_KEY, GATEWAY_PREFIX + GW]);
    expect(routeObjects(t)).toBe(0);
    expect(providers(t)).toEqual([]);
    const ready = (t.caches.modelpools.store.get(POOL_KEY) as ModelPoolObject).status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'GatewayNamespaceNotServed' });
  });

  it('a pool held by another finalizer (HiMarket publishing) loses its routes and entries while it waits', async () => {
    const t = setup({ pendingStatusDelayMs: 0, finalizers: [PUBLISH_FINALIZER] });
    await t.settle();
    deleting(t);
    await t.settle();
    expect(routeObjects(t)).toBe(0);
    expect(providers(t)).toEqual([]);
    expect((t.caches.modelpools.store.get(POOL_KEY) as ModelPoolObject).metadata.finalizers).toEqual([PUBLISH_FINALIZER]); // not ours to remove
  });

  it('removes our finalizer where an older operator added it, once the shared objects no longer hold the pool', async () => {
    const t = setup({ pendingStatusDelayMs: 0, finalizers: [FINALIZER] });
    await t.settle();
    deleting(t);
    await t.settle();
    expect(routeObjects(t)).toBe(0);
    expect(providers(t)).toEqual([]);
    // The pool ran before the pass that dropped its entries; the shared objects' events bring it back.
    expect(t.server.writes.filter((w) => w.startsWith('PATCH modelpools/'))).toEqual([]);
    await t.settle();
    expect(t.server.writes.filter((w) => w.startsWith('PATCH modelpools/'))).toEqual(['PATCH modelpools/chat']);
    expect((t.caches.modelpools.store.get(POOL_KEY) as ModelPoolObject).metadata.finalizers).toEqual([]);
  });
});
