// What a RagPipeline's or SemanticRouter's pods read from objects the user creates — a Secret and its keys (env
// secretKeyRef), a ConfigMap, a claim — is checked by the operator itself, on the real API server and as its
// ServiceAccount: a pod missing one never starts and its Deployment only says 0 available, so Ready names the spec
// field instead, follows the object as it appears, and never shows a Secret's value.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { modelPoolResource, ragPipelineResource } from '../../src/controllers/resources.js';
import { semanticRouterResource } from '../../src/controllers/semanticrouter.js';
import { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/object.js';
import { Resources, type ResourceType } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { loadModels, routingDataDir } from '../../src/simulator/data.js';
import { createLogger } from '../../src/util/log.js';
import { gatewayNamespace, operatorKubeConfig, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';
import { matrixRouter, simulatorPool } from './support/pools.js';

const client = KubeClient.fromKubeConfig(testKubeConfig());
const MODELS = loadModels(join(routingDataDir(), 'models.json')).slice(0, 2);
const VALUE = 'mounts-test-secret-value-9f3c';
let operator: Operator;

type WithStatus = KubeObject & { status?: { conditions?: { type: string; status: string; reason?: string; message?: string; observedGeneration?: number }[] } };

beforeAll(async () => {
  // No runtimes run here (no kubelet): Ready stops at "not available", after the mounts are found.
  operator = await startOperator({ kubeConfig: operatorKubeConfig(), resyncPeriodMs: 0, log: createLogger('operator', 'warn'), rag: { probe: false } });
  await operator.synced;
});
afterAll(async () => operator.stop());

async function readyReason(rt: ResourceType, name: string, ns: string, reason: string): Promise<{ message?: string; whole: string }> {
  return waitFor(
    async () => {
      const o = await client.get<WithStatus>(rt, name, ns);
      const c = o?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.reason === reason && c.observedGeneration === o?.metadata.generation ? { message: c.message, whole: JSON.stringify(o?.status) } : undefined;
    },
    { timeoutMs: 30_000, description: `${rt.kind} ${ns}/${name} Ready reason ${reason}` },
  );
}

const secret = (ns: string, name: string, data: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: data }) as KubeObject;

describe('objects the workloads mount', () => {
  it('SemanticRouter: the cache Redis password Secret, then its key, then on', async () => {
    const ns = await uniqueNamespace('mounts-sr');
    const gw = await gatewayNamespace('mounts-sr-gw');
    await client.create(modelPoolResource, simulatorPool(ns, gw, 'http://sim.invalid:8090', MODELS));
    await client.create(
      semanticRouterResource,
      matrixRouter(ns, 'auto', gw, MODELS, {
        cache: { redis: { service: 'redis.cache.svc.cluster.local', passwordSecretRef: { name: 'redis', key: 'password' } } },
      }),
    );
    let r = await readyReason(semanticRouterResource, 'auto', ns, 'SecretNotFound');
    expect(r.message).toBe(`spec.cache.redis.passwordSecretRef.name: Secret ${ns}/redis not found`);
    await client.create(Resources.Secret, secret(ns, 'redis', { user: VALUE }));
    r = await readyReason(semanticRouterResource, 'auto', ns, 'SecretKeyNotFound');
    expect(r.message).toBe(`spec.cache.redis.passwordSecretRef.key: Secret ${ns}/redis has no key password`);
    await client.patch(Resources.Secret, 'redis', ns, { stringData: { password: VALUE } }, 'merge');
    r = await readyReason(semanticRouterResource, 'auto', ns, 'RuntimeNotAvailable');
    expect(r.whole).not.toContain(VALUE);
    const events = await client.list<KubeObject & { message?: string }>(Resources.Event, { namespace: ns });
    expect(events.items.map((e) => e.message).filter((m) => m?.includes('Secret'))).not.toEqual([]);
    expect(JSON.stringify(events.items)).not.toContain(VALUE);
  });

  it('RagPipeline: the Milvus credentials Secret and each of its two keys', async () => {
    const ns = await uniqueNamespace('mounts-rag');
    await client.create(ragPipelineResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'RagPipeline',
      metadata: { name: 'kb', namespace: ns },
      spec: { store: { type: 'milvus', milvus: { address: 'milvus.db:19530', secretRef: { name: 'milvus' } } } },
    } as KubeObject);
    let r = await readyReason(ragPipelineResource, 'kb', ns, 'SecretNotFound');
    expect(r.message).toBe(`spec.store.milvus.secretRef.name: Secret ${ns}/milvus not found`);
    await client.create(Resources.Secret, secret(ns, 'milvus', { username: 'rag' }));
    r = await readyReason(ragPipelineResource, 'kb', ns, 'SecretKeyNotFound');
    expect(r.message).toBe(`spec.store.milvus.secretRef.passwordKey: Secret ${ns}/milvus has no key password`);
    await client.patch(Resources.Secret, 'milvus', ns, { stringData: { password: VALUE } }, 'merge');
    r = await readyReason(ragPipelineResource, 'kb', ns, 'RolloutNotObserved');
    expect(r.whole).not.toContain(VALUE);
  });
});
