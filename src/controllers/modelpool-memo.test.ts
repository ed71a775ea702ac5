import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { GW, POOL_KEY, setupPoolController as setup } from '../../test/support/modelpool-harness.js';
import { ENTRY_OWNERS_ANNOTATION } from '../higress/console/shared-plugins.js';
import { parseOwners, serializeOwners } from '../kube/owners-record.js';
import { keyOf, type KubeObject } from '../kube/object.js';
import { GATEWAY_PREFIX, type ModelPoolObject } from './modelpool.js';
import { PoolObjects } from './modelpool-objects.js';

/**
 * The reconcile memo on a whole ModelPoolController: a Ready pool's delivery with unchanged inputs returns without
 * the full path, and each kind of input change (an edited or deleted generated object, a Secret, a shared object
 * that lost the pool's entry, the pool itself, conflicts, the ingress class) runs it again.
 */

describe('ModelPool reconcile memo', () => {
  let fullPasses: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    fullPasses = jest.spyOn(PoolObjects.prototype, 'apply');
  });
  afterEach(() => fullPasses.mockRestore());

  /**
   * A pool converged to Ready (no watches here: the pool looks again once the gateway wrote its share), then one
   * more delivery: the first that reads its Ready status takes the snapshot, and finding nothing to do, keeps it.
   */
  async function readyPool() {
    const t = setup();
    await t.settle([POOL_KEY, GATEWAY_PREFIX + GW]);
    await t.settle();
    expect(t.ready()).toBe('True');
    await t.settle();
    expect(fullPasses).toHaveBeenCalledTimes(3);
    fullPasses.mockClear();
    t.server.writes.length = 0;
    return t;
  }

  it('skips the reconcile of a Ready pool whose inputs did not change (a resync delivery)', async () => {
    const t = await readyPool();
    await t.settle();
    await t.settle();
    expect(fullPasses).not.toHaveBeenCalled();
    expect(t.server.writes).toEqual([]);
    expect(t.queue.size).toBe(0);
  });

  it('runs the full path and repairs a generated object someone edited', async () => {
    const t = await readyPool();
    const [cm] = t.caches.configmaps.store.byNamespace(GW).filter((c) => c.metadata.name?.startsWith('ai-route-'));
    t.server.edit<KubeObject & { data: Record<string, string> }>('configmaps', keyOf(cm!), (o) => ({ ...o, data: { ...o.data, extra: 'x' } }));
    // A drifted field we set: the hash annotation no longer matches what the desired object hashes to.
    t.server.edit<KubeObject>('configmaps', keyOf(cm!), (o) => ({ ...o, metadata: { ...o.metadata, annotations: {} } }));
    await t.settle();
    expect(fullPasses).toHaveBeenCalled();
    expect(t.server.writes).toContain(`PATCH configmaps/${cm!.metadata.name}`);
    expect(t.ready()).toBe('True');
  });

  it('runs the full path and recreates a generated object someone deleted', async () => {
    const t = await readyPool();
    const [ingress] = t.caches.ingresses.store.byNamespace(GW);
    t.caches.ingresses.store.remove(keyOf(ingress!));
    await t.settle();
    expect(fullPasses).toHaveBeenCalled();
    expect(t.server.writes).toContain(`PATCH ingresses/${ingress!.metadata.name}`);
  });

  it('runs the full path when an object labelled as the pool\u2019s appears (prune)', async () => {
    const t = await readyPool();
    const [ingress] = t.caches.ingresses.store.byNamespace(GW);
    t.caches.ingresses.store.upsert({ ...structuredClone(ingress!), metadata: { ...structuredClone(ingress!.metadata), name: 'stale', uid: 'u-stale' } });
    await t.settle();
    expect(fullPasses).toHaveBeenCalled();
    expect(t.server.writes).toContain('DELETE ingresses/stale');
  });

  it('runs the full path when a referenced Secret changes, even in a key the render does not read', async () => {
    const t = await readyPool();
    t.server.edit<KubeObject & { data: Record<string, string> }>('secrets', 'team-a/openai', (o) => ({ ...o, data: { ...o.data, unused: btoa('x') } }));
    await t.settle([POOL_KEY]);
    expect(fullPasses).toHaveBeenCalledTimes(1);
    const writesBefore = t.server.writes.length;
    t.server.edit<KubeObject & { data: Record<string, string> }>('secrets', 'team-a/openai', (o) => ({ ...o, data: { apiKey: btoa('sk-2') } }));
    await t.settle([POOL_KEY]);
    // The new key changes the pool's ai-proxy share: a full pass renders it, the gateway writes it, and the pass
    // that completes the pool (requeueCompleted) runs the full path once more to mark it Ready again.
    expect(fullPasses.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(t.server.writes.slice(writesBefore)).toContain('PUT wasmplugins/ai-proxy.internal');
  });

  it('runs the full path when a shared object lost the pool\u2019s entry, and reports it', async () => {
    const t = await readyPool();
    t.server.edit<KubeObject & { spec: { defaultConfig: { providers: unknown[] } } }>('wasmplugins', `${GW}/ai-proxy.internal`, (o) => ({
      ...o,
      spec: { ...o.spec, defaultConfig: { ...o.spec.defaultConfig, providers: [] } },
    }));
    await t.controller.reconcile(POOL_KEY);
    expect(fullPasses).toHaveBeenCalled();
    expect(t.ready()).toBe('False');
    expect(t.queue.has(GATEWAY_PREFIX + GW)).toBe(true);
  });

  it('runs the full path when the pool changes (a status someone else wrote)', async () => {
    const t = await readyPool();
    t.server.edit<ModelPoolObject>('modelpools', POOL_KEY, (o) => ({ ...o, metadata: { ...o.metadata, labels: { touched: 'yes' } } }));
    await t.settle();
    expect(fullPasses).toHaveBeenCalledTimes(1);
    await t.settle();
    expect(fullPasses).toHaveBeenCalledTimes(1);
  });

  it('runs the full path when the gateway reports a conflict for the pool', async () => {
    const t = await readyPool();
    t.server.edit<KubeObject>('wasmplugins', `${GW}/ai-proxy.internal`, (o) => {
      const annotations = { ...o.metadata.annotations };
      const owners = Object.entries(parseOwners(annotations[ENTRY_OWNERS_ANNOTATION]));
      annotations[ENTRY_OWNERS_ANNOTATION] = serializeOwners(
        Object.fromEntries(owners.map(([k, o]) => [k, o === 'ModelPool/team-a/chat' ? 'SemanticRouter/team-b/router' : o])),
      );
      return { ...o, metadata: { ...o.metadata, annotations } };
    });
    await t.settle([GATEWAY_PREFIX + GW]);
    expect(fullPasses).toHaveBeenCalled();
    expect(t.ready()).toBe('False');
  });

  it('runs the full path when another gateway starts using the pool’s ingress class', async () => {
    const t = await readyPool();
    const other = structuredClone(t.caches.modelpools.store.get(POOL_KEY)!) as ModelPoolObject;
    other.metadata = { namespace: 'team-b', name: 'other', uid: 'other-uid', generation: 1, resourceVersion: '2' };
    other.spec = { ...other.spec, gateway: { ...other.spec.gateway, namespace: 'other-gateway' } };
    delete other.status;
    t.caches.modelpools.store.upsert(other);
    await t.controller.reconcile(POOL_KEY);
    expect(fullPasses).toHaveBeenCalledTimes(1);
  });
});
