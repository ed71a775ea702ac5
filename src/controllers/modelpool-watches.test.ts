import { describe, expect, it } from '@jest/globals';
import { GW, POOL_KEY, setupPoolController } from '../../test/support/modelpool-harness.js';
import type { KubeObject } from '../kube/object.js';
import { GATEWAY_PREFIX, type ModelPoolObject } from './modelpool.js';
import { PoolWatches } from './modelpool-watches.js';
import type { Informer } from '../kube/informer.js';

type Providers = KubeObject & { spec: { defaultConfig: { providers: { id?: unknown }[] } } };
const AI_PROXY = `${GW}/ai-proxy.internal`;

/** Which pools a shared object's event brings back (waiting ones from an index, Ready ones only on a lost name). */
describe('PoolWatches.poolsAffectedBy', () => {
  async function converged() {
    const t = setupPoolController();
    await t.settle([POOL_KEY, GATEWAY_PREFIX + GW]);
    await t.settle(); // no watches here: the pool looks again once the gateway wrote its share
    expect(t.ready()).toBe('True');
    const watches = new PoolWatches(t.controller, t.caches.modelpools as unknown as Informer<ModelPoolObject>);
    const affected = () => watches.poolsAffectedBy(t.caches.wasmplugins.store.get(AI_PROXY)!);
    return { ...t, affected };
  }

  it('leaves Ready pools alone while the object only gains entries, and brings one back when its entry goes', async () => {
    const t = await converged();
    expect(t.affected()).toEqual([]); // Ready, and its provider is there
    t.server.edit<Providers>('wasmplugins', AI_PROXY, (o) => ({
      ...o,
      spec: { ...o.spec, defaultConfig: { ...o.spec.defaultConfig, providers: [...o.spec.defaultConfig.providers, { id: 'someone-else' }] } },
    }));
    expect(t.affected()).toEqual([]);
    expect(t.affected()).toEqual([]); // a resync delivers the same object again
    t.server.edit<Providers>('wasmplugins', AI_PROXY, (o) => ({
      ...o,
      spec: { ...o.spec, defaultConfig: { ...o.spec.defaultConfig, providers: [{ id: 'someone-else' }] } },
    }));
    expect(t.affected()).toEqual([POOL_KEY]);
  });

  it('brings back a waiting pool once the shared objects carry its share, not before', async () => {
    const t = await converged();
    t.affected();
    const notReady = (o: ModelPoolObject): ModelPoolObject => ({ ...o, status: { ...o.status, conditions: [] } });
    t.server.edit<ModelPoolObject>('modelpools', POOL_KEY, notReady);
    expect(t.affected()).toEqual([POOL_KEY]);
    t.server.edit<Providers>('wasmplugins', AI_PROXY, (o) => ({ ...o, spec: { ...o.spec, defaultConfig: { ...o.spec.defaultConfig, providers: [] } } }));
    expect(t.affected()).toEqual([]);
  });

  it('brings back a pool its reconcile found waiting even while the cache still holds its Ready status', async () => {
    const t = await converged();
    t.affected();
    const readyCopy = t.caches.modelpools.store.get(POOL_KEY)!;
    const providers = t.caches.wasmplugins.store.get(AI_PROXY) as Providers;
    t.server.edit<Providers>('wasmplugins', AI_PROXY, (o) => ({ ...o, spec: { ...o.spec, defaultConfig: { ...o.spec.defaultConfig, providers: [] } } }));
    await t.controller.reconcile(POOL_KEY);
    expect(t.ready()).toBe('False');
    // The watch has not delivered that status yet; the gateway's repair arrives first.
    t.caches.modelpools.store.upsert(readyCopy);
    t.server.edit<Providers>('wasmplugins', AI_PROXY, (o) => ({ ...o, spec: { ...o.spec, defaultConfig: providers.spec.defaultConfig } }));
    expect(t.affected()).toEqual([POOL_KEY]);
  });
});
