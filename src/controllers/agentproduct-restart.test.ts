import { describe, expect, it } from '@jest/globals';
import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.js';
import type { Informer } from '../kube/informer.js';
import type { KubeObject } from '../kube/object.js';
import type { ReferencedObjects } from '../kube/referenced-objects.js';
import { Store } from '../kube/store.js';
import { AgentProductController, type AgentProductControllerDeps, type AgentProductObject } from './agentproduct.js';
import { CachesNotSyncedError } from './modelpool.js';

/**
 * After a restart (or a leader change) the controllers start before the caches they read have listed. A product
 * reconciled then must wait: an unlisted Ingress or ConfigMap cache would read its agent's model route as missing
 * (a Ready product written not Ready, then Ready again), an unlisted RagPipeline cache a tool's upstream as unknown.
 */

function cache<T extends KubeObject>(listed: boolean, objects: T[] = []): Informer<T> {
  const store = new Store<T>();
  for (const o of objects) store.upsert(o);
  return { store, hasSynced: () => listed } as unknown as Informer<T>;
}

const product: AgentProductObject = {
  apiVersion: 'ai.higress.io/v1alpha1',
  kind: 'AgentProduct',
  metadata: { name: 'support', namespace: 'team-a', generation: 1, uid: 'u1', resourceVersion: '1' },
  spec: {},
} as unknown as AgentProductObject;

function setup(unlisted: 'ingresses' | 'configMaps' | 'pipelines') {
  const requests: string[] = [];
  // Any request at all fails the test: the wait must come before the finalizer, the reads and the status.
  const client = new Proxy({} as KubeClient, {
    get: (_t, verb) => () => {
      requests.push(String(verb));
      return Promise.reject(new Error(`unexpected ${String(verb)}`));
    },
  });
  const none = {} as ReferencedObjects<KubeObject>;
  const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
  const deps: AgentProductControllerDeps = {
    client,
    products: cache(true, [product]),
    ingresses: cache(unlisted !== 'ingresses'),
    configMaps: cache(unlisted !== 'configMaps'),
    wasmPlugins: cache(true),
    pipelines: cache(unlisted !== 'pipelines'),
    secrets: none,
    documents: none,
    services: none,
    log: silent,
  };
  return { controller: new AgentProductController(deps), requests };
}

describe('AgentProduct after an operator restart', () => {
  it.each(['ingresses', 'configMaps', 'pipelines'] as const)('waits while %s have not listed, with no request made', async (unlisted) => {
    const t = setup(unlisted);
    await expect(t.controller.reconcile('team-a/support')).rejects.toBeInstanceOf(CachesNotSyncedError);
    expect(t.requests).toEqual([]);
  });
});
