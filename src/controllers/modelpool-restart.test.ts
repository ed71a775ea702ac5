import { describe, expect, it } from '@jest/globals';
import { POOL_KEY, setupPoolController as setup } from '../../test/support/modelpool-harness.js';
import { KubeApiError } from '../kube/errors.js';
import { FINALIZER } from '../kube/finalizers.js';
import { keyOf } from '../kube/object.js';
import { CachesNotSyncedError, type ModelPoolObject } from './modelpool.js';

/**
 * An operator restart (or a new leader) starts its controllers before the optional Higress caches have listed.
 * A Ready pool reconciled then must wait for them, not read the empty caches as "its share is missing": that wrote
 * a Ready pool Pending (then Ready again) when a Higress kind had not listed, and fetched its routes one by one
 * (re-applying what it did not find) when the Ingress or ConfigMap cache had not. A cache that cannot list at all
 * (its read permission removed) is named in the pool's condition instead of keeping the pool waiting unseen.
 */

const poolWrites = (writes: string[]) => writes.filter((w) => w.includes('modelpools/'));

describe('ModelPool after an operator restart', () => {
  it.each(['wasmplugins', 'mcpbridges', 'ingresses', 'configmaps'] as const)(
    'waits while %s have not listed, then writes nothing for a Ready pool',
    async (plural) => {
      const t = setup({ pendingStatusDelayMs: 0 });
      await t.settle();
      expect(t.ready()).toBe('True');
      const written = t.server.writes.length;

      t.restart();
      const cache = t.caches[plural];
      const listed = cache.store.list();
      for (const o of listed) cache.store.remove(keyOf(o));
      cache.hasSynced = () => false;
      await expect(t.controller.reconcile(POOL_KEY)).rejects.toBeInstanceOf(CachesNotSyncedError);
      expect(poolWrites(t.server.writes.slice(written))).toEqual([]);

      for (const o of listed) cache.store.upsert(o);
      cache.hasSynced = () => true;
      await t.settle();
      expect(t.ready()).toBe('True');
      expect(t.server.writes.slice(written)).toEqual([]);
    },
  );

  it('says which cache cannot list when its read permission is gone, and recovers when it is back', async () => {
    const t = setup({ pendingStatusDelayMs: 0 });
    await t.settle();
    t.restart();
    const cache = t.caches.wasmplugins;
    const listed = cache.store.list();
    for (const o of listed) cache.store.remove(keyOf(o));
    cache.hasSynced = () => false;
    const forbidden = 'wasmplugins.extensions.higress.io is forbidden: User "system:serviceaccount:ops:op" cannot list resource "wasmplugins"';
    cache.syncFailure = () => new KubeApiError(403, 'Forbidden', forbidden);
    await expect(t.controller.reconcile(POOL_KEY)).rejects.toBeInstanceOf(CachesNotSyncedError);
    const ready = (t.caches.modelpools.store.get(POOL_KEY) as ModelPoolObject).status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'WasmPluginCacheForbidden' });
    expect(ready?.message).toContain(forbidden);

    for (const o of listed) cache.store.upsert(o);
    cache.hasSynced = () => true;
    cache.syncFailure = () => undefined;
    await t.settle();
    expect(t.ready()).toBe('True');
  });

  it('a pool being deleted waits for the caches too, and names one that cannot list', async () => {
    const t = setup({ pendingStatusDelayMs: 0, finalizers: [FINALIZER] }); // held by ours, from an older operator
    await t.settle();
    t.restart();
    t.server.edit<ModelPoolObject>('modelpools', POOL_KEY, (p) => {
      Object.assign(p.metadata, { deletionTimestamp: '2026-12-01T00:00:00Z' }); // as the API server sends it
      return p;
    });
    const cache = t.caches.ingresses;
    cache.hasSynced = () => false;
    cache.syncFailure = () => new KubeApiError(403, 'Forbidden', 'ingresses.networking.k8s.io is forbidden: cannot list resource "ingresses"');
    await expect(t.controller.reconcile(POOL_KEY)).rejects.toBeInstanceOf(CachesNotSyncedError);
    const pool = t.caches.modelpools.store.get(POOL_KEY) as ModelPoolObject;
    expect(pool.metadata.finalizers?.length).toBe(1); // nothing was pruned or released on an unlisted cache
    expect(t.caches.configmaps.store.size).toBe(1);
    expect(pool.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'IngressCacheForbidden' });
  });
});
