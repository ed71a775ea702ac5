// The RagPipeline controller against the real kube-apiserver. The harness has no kube-controller-manager and no
// kubelet, so Deployments never get pods: readiness is asserted as the honest "not observed" Progressing state,
// and the Ready path is exercised by writing Deployment status the way the deployment controller would.
import { consoleName } from '../../src/higress/console/meta.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import type { RagPipelineSpecIn } from '../../src/api/v1alpha1/ragpipeline.js';
import { Deployments, PersistentVolumeClaims, type RagPipelineObject } from '../../src/controllers/ragpipeline.js';
import type { RuntimeInfo } from '../../src/controllers/ragpipeline-runtime.js';
import { ragPipelineResource } from '../../src/controllers/resources.js';
import { KubeClient, writeCount } from '../../src/kube/client.js';
import { FINALIZER } from '../../src/kube/finalizers.js';
import type { KubeObject } from '../../src/kube/object.js';
import { ownerLabels } from '../../src/kube/owner.js';
import { Resources } from '../../src/kube/resources.js';
import { CHECKSUM_ANNOTATION, DEFAULT_RAG_IMAGE } from '../../src/reconcilers/ragpipeline.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { createLogger } from '../../src/util/log.js';
import { claimObject, gatewayNamespace, operatorKubeConfig, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';

interface Obj extends KubeObject {
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  status?: Record<string, unknown>;
}

const kc = testKubeConfig();
const client = KubeClient.fromKubeConfig(kc);
let operator: Operator;
const probed: string[] = [];

beforeAll(async () => {
  // The operator runs as its ServiceAccount (generated RBAC); fixtures use the admin `client`.
  operator = await startOperator({
    kubeConfig: operatorKubeConfig(),
    resyncPeriodMs: 0,
    log: createLogger('operator', 'warn'),
    rag: {
      // Stands in for a runtime answering tools/list: there are no pods to reach here.
      probe: {
        probe: (endpoint): Promise<RuntimeInfo> => {
          probed.push(endpoint);
          return Promise.resolve({
            tools: ['answer', 'ingest', 'search'],
            chunks: 42,
            documents: 7,
            lastIndexedTime: '2026-11-22T03:00:00Z',
            lastEval: { time: '2026-11-22T03:00:05Z', questions: 10, recallAt5: 0.9, precisionAt5: 0.36, mrr: 0.8 },
          });
        },
      },
    },
  });
  await operator.synced;
});
afterAll(async () => {
  await operator.stop();
});

function pipeline(ns: string, name: string, spec: RagPipelineSpecIn): RagPipelineObject {
  return { apiVersion: 'ai.higress.io/v1alpha1', kind: 'RagPipeline', metadata: { name, namespace: ns }, spec } as RagPipelineObject;
}

const condition = (p: RagPipelineObject | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type);

async function waitCondition(ns: string, name: string, type: string, status: 'True' | 'False', reason: string): Promise<RagPipelineObject> {
  return waitFor(
    async () => {
      const p = await client.get<RagPipelineObject>(ragPipelineResource, name, ns);
      const c = condition(p, type);
      return c?.observedGeneration === p?.metadata.generation && c?.status === status && c?.reason === reason ? p : undefined;
    },
    { timeoutMs: 20_000, description: `RagPipeline ${ns}/${name} ${type}=${status} (${reason})` },
  );
}

const checksumOf = (d: Obj | undefined) =>
  (d?.spec?.template as { metadata?: { annotations?: Record<string, string> } } | undefined)?.metadata?.annotations?.[CHECKSUM_ANNOTATION];

describe('RagPipeline controller', () => {
  it('renders ConfigMap, Deployment, Service, PVC and the MCP Ingress, and reports Progressing honestly', async () => {
    const ns = await uniqueNamespace('rag-create');
    const gw = await gatewayNamespace('rag-gw');
    await client.create(
      ragPipelineResource,
      pipeline(ns, 'kb', {
        gateway: { namespace: gw },
        sources: [{ name: 'faq', type: 'inline', documents: [{ id: 'd1', text: 'Higress is a gateway.' }] }],
        store: { type: 'lancedb', lancedb: { size: '2Gi' } },
      }),
    );
    const p = await waitCondition(ns, 'kb', 'Ready', 'False', 'RolloutNotObserved');
    expect(p.metadata.finalizers).toContain(FINALIZER);
    expect(condition(p, 'Progressing')).toMatchObject({ status: 'True', reason: 'RolloutNotObserved' });
    expect(p.status).toMatchObject({
      replicas: '0/1',
      endpoint: `http://kb-rag.${ns}.svc.cluster.local:8080/mcp`,
      gatewayPath: `/mcp-servers/${consoleName([ns, 'kb'])}`,
    });
    expect(p.status?.discoveredTools).toBeUndefined();

    const labels = ownerLabels({ kind: 'RagPipeline', namespace: ns, name: 'kb' });
    for (const [rt, name] of [
      [Resources.ConfigMap, 'kb-rag'],
      [Deployments, 'kb-rag'],
      [Resources.Service, 'kb-rag'],
      [PersistentVolumeClaims, 'kb-rag-data'],
    ] as const) {
      const o = await client.get<Obj>(rt, name, ns);
      expect(o?.metadata.labels).toMatchObject(labels);
      expect(o?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'RagPipeline', name: 'kb', uid: p.metadata.uid, controller: true });
    }
    const cm = await client.get<Obj>(Resources.ConfigMap, 'kb-rag', ns);
    expect(cm?.data?.['rag.yaml']).toContain('path: /var/lib/rag/lancedb');
    const deployment = await client.get<Obj>(Deployments, 'kb-rag', ns);
    expect(JSON.stringify(deployment?.spec)).toContain(DEFAULT_RAG_IMAGE);

    // Gateway-namespace Ingress: owner labels only (no cross-namespace ownerReference), console MCP form.
    const ingresses = (await client.list<Obj>(Resources.Ingress, { namespace: gw })).items;
    expect(ingresses).toHaveLength(1);
    expect(ingresses[0]!.metadata.labels).toMatchObject(labels);
    expect(ingresses[0]!.metadata.ownerReferences).toBeUndefined();
    expect(ingresses[0]!.metadata.annotations).toMatchObject({
      'higress.io/mcp-server': 'true',
      'higress.io/mcp-server-match-rule-type': 'prefix',
      'higress.io/mcp-server-match-rule-value': `/mcp-servers/${consoleName([ns, 'kb'])}`,
      'higress.io/rewrite-path': '/mcp',
      'higress.io/mcp-server-upstream-type': 'streamable',
      'higress.io/destination': `kb-rag.${ns}.svc.cluster.local:8080`,
    });
    await waitCondition(ns, 'kb', 'Exposed', 'True', 'IngressPresent');
    // No Higress in this gateway namespace: the MCP annotations would do nothing, and status says so.
    await waitCondition(ns, 'kb', 'GatewayMcp', 'False', 'HigressConfigMissing');
  });

  it('mounts a sentence encoder from an OCI image volume; the API server keeps the volume (ImageVolume, on by default since 1.35)', async () => {
    const ns = await uniqueNamespace('rag-encoder');
    const gw = await gatewayNamespace('rag-encoder-gw');
    await client.create(
      ragPipelineResource,
      pipeline(ns, 'kb', {
        gateway: { namespace: gw },
        embedding: { type: 'encoder', encoder: { image: { reference: 'registry.example/minilm:1', pullPolicy: 'IfNotPresent' }, path: 'minilm' } },
      }),
    );
    await waitCondition(ns, 'kb', 'Ready', 'False', 'RolloutNotObserved');
    const deployment = await client.get<Obj>(Deployments, 'kb-rag', ns);
    const pod = (deployment?.spec?.template as { spec: { volumes: unknown[]; containers: { volumeMounts: unknown[] }[] } }).spec;
    expect(pod.volumes).toContainEqual({ name: 'encoder', image: { reference: 'registry.example/minilm:1', pullPolicy: 'IfNotPresent' } });
    expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: 'encoder', mountPath: '/var/lib/rag-encoder', readOnly: true });
    const cm = await client.get<Obj>(Resources.ConfigMap, 'kb-rag', ns);
    expect(cm?.data?.['rag.yaml']).toContain('modelDir: /var/lib/rag-encoder/minilm');
  });

  it('rolls the pods on a config change (checksum annotation), not on a resources change', async () => {
    const ns = await uniqueNamespace('rag-roll');
    await client.create(ragPipelineResource, pipeline(ns, 'kb', { topK: 5 }));
    await waitCondition(ns, 'kb', 'Ready', 'False', 'RolloutNotObserved');
    const before = checksumOf(await client.get<Obj>(Deployments, 'kb-rag', ns));
    expect(before).toMatch(/^[0-9a-f]{16}$/);

    await client.patch(ragPipelineResource, 'kb', ns, { spec: { topK: 9 } }, 'merge');
    const after = await waitFor(
      async () => {
        const c = checksumOf(await client.get<Obj>(Deployments, 'kb-rag', ns));
        return c !== before ? c : undefined;
      },
      { timeoutMs: 20_000, description: 'checksum changed' },
    );
    expect((await client.get<Obj>(Resources.ConfigMap, 'kb-rag', ns))?.data?.['rag.yaml']).toContain('topK: 9');

    await client.patch(ragPipelineResource, 'kb', ns, { spec: { resources: { limits: { memory: '1Gi' } } } }, 'merge');
    await waitFor(async () => JSON.stringify((await client.get<Obj>(Deployments, 'kb-rag', ns))?.spec).includes('"memory":"1Gi"'), {
      timeoutMs: 20_000,
      description: 'resources applied',
    });
    expect(checksumOf(await client.get<Obj>(Deployments, 'kb-rag', ns))).toBe(after);
  });

  it('turns Ready from the Deployment status and then reads tools and chunk count from the runtime', async () => {
    const ns = await uniqueNamespace('rag-ready');
    await client.create(ragPipelineResource, pipeline(ns, 'kb', {}));
    await waitCondition(ns, 'kb', 'Ready', 'False', 'RolloutNotObserved');
    const d = (await client.get<Obj>(Deployments, 'kb-rag', ns))!;
    // What the deployment controller would write once pods were up (no kubelet here).
    const generation = d.metadata.generation ?? 1;
    await client.updateStatus(Deployments, { ...d, status: { observedGeneration: generation, replicas: 1, updatedReplicas: 1, availableReplicas: 0 } });
    await waitCondition(ns, 'kb', 'Ready', 'False', 'ReplicasUnavailable');
    const d2 = (await client.get<Obj>(Deployments, 'kb-rag', ns))!;
    await client.updateStatus(Deployments, {
      ...d2,
      status: { observedGeneration: generation, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
    });
    const ready = await waitCondition(ns, 'kb', 'Ready', 'True', 'Available');
    expect(condition(ready, 'Progressing')).toMatchObject({ status: 'False', reason: 'RolloutComplete' });
    const withStats = await waitFor(async () => {
      const p = await client.get<RagPipelineObject>(ragPipelineResource, 'kb', ns);
      return p?.status?.discoveredTools ? p : undefined;
    });
    // Everything the runtime reports about its index and its eval run lands in status.
    expect(withStats.status).toMatchObject({
      discoveredTools: ['answer', 'ingest', 'search'],
      chunksIndexed: 42,
      documentsIndexed: 7,
      lastIndexedTime: '2026-11-22T03:00:00Z',
      lastEval: { questions: 10, recallAt5: 0.9, precisionAt5: 0.36, mrr: 0.8 },
      replicas: '1/1',
    });
    expect(probed).toContain(`http://kb-rag.${ns}.svc.cluster.local:8080/mcp`);
  });

  it('reports a missing ModelPool reference precisely', async () => {
    const ns = await uniqueNamespace('rag-ref');
    await client.create(ragPipelineResource, pipeline(ns, 'kb', { llm: { pool: 'nope', model: 'gpt-4o' } }));
    const p = await waitCondition(ns, 'kb', 'Ready', 'False', 'ModelPoolNotFound');
    expect(condition(p, 'Ready')?.message).toBe(`llm: ModelPool ${ns}/nope not found`);
  });

  it('names a missing source ConfigMap (or key) by its field, and goes on once it exists', async () => {
    // A pod does not start without a ConfigMap it mounts (or an item key of it): the status says which, not only 0/1.
    const ns = await uniqueNamespace('rag-cm');
    const sources = [
      { name: 'faq', type: 'inline' as const, documents: [{ id: 'a', text: 'Higress is an AI gateway.' }] },
      { name: 'hb', type: 'configMap' as const, configMap: { name: 'handbook', key: 'ops.md' } },
    ];
    await client.create(ragPipelineResource, pipeline(ns, 'kb', { sources }));
    let p = await waitCondition(ns, 'kb', 'Ready', 'False', 'ConfigMapNotFound');
    expect(condition(p, 'Ready')?.message).toBe(`spec.sources[1].configMap.name: ConfigMap ${ns}/handbook not found`);
    await client.create(Resources.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'handbook', namespace: ns },
      data: { 'other.md': 'x' },
    } as KubeObject);
    p = await waitCondition(ns, 'kb', 'Ready', 'False', 'ConfigMapKeyNotFound');
    expect(condition(p, 'Ready')?.message).toBe(`spec.sources[1].configMap.key: ConfigMap ${ns}/handbook has no key ops.md`);
    await client.patch(Resources.ConfigMap, 'handbook', ns, { data: { 'ops.md': 'Rotate keys in their Secret.' } }, 'merge');
    await waitCondition(ns, 'kb', 'Ready', 'False', 'RolloutNotObserved'); // no kubelet here: as far as this harness goes
  });

  it('names a missing encoder claim by its field, and goes on once it exists', async () => {
    const ns = await uniqueNamespace('rag-claim');
    await client.create(
      ragPipelineResource,
      pipeline(ns, 'kb', { embedding: { type: 'encoder', encoder: { persistentVolumeClaim: { claimName: 'minilm' } } } }),
    );
    const p = await waitCondition(ns, 'kb', 'Ready', 'False', 'PersistentVolumeClaimNotFound');
    expect(condition(p, 'Ready')?.message).toBe(`spec.embedding.encoder.persistentVolumeClaim.claimName: PersistentVolumeClaim ${ns}/minilm not found`);
    await client.create(PersistentVolumeClaims, claimObject(ns, 'minilm'));
    await waitCondition(ns, 'kb', 'Ready', 'False', 'RolloutNotObserved');
  });

  it('removes the gateway-namespace Ingress and releases the finalizer on delete', async () => {
    const ns = await uniqueNamespace('rag-delete');
    const gw = await gatewayNamespace('rag-delete-gw');
    await client.create(ragPipelineResource, pipeline(ns, 'kb', { gateway: { namespace: gw } }));
    await waitCondition(ns, 'kb', 'Exposed', 'True', 'IngressPresent');
    await client.delete(ragPipelineResource, 'kb', ns);
    await waitFor(async () => !(await client.get(ragPipelineResource, 'kb', ns)), { timeoutMs: 20_000, description: 'pipeline gone (finalizer released)' });
    expect((await client.list<Obj>(Resources.Ingress, { namespace: gw })).items).toEqual([]);
  });

  it('performs zero write requests on a resync after convergence', async () => {
    const ns = await uniqueNamespace('rag-steady');
    const gw = await gatewayNamespace('rag-steady-gw');
    for (const name of ['a', 'b']) {
      await client.create(
        ragPipelineResource,
        pipeline(ns, name, { gateway: { namespace: gw }, sources: [{ name: 'cm', type: 'configMap', configMap: { name: 'docs' } }] }),
      );
    }
    for (const name of ['a', 'b']) await waitCondition(ns, name, 'Exposed', 'True', 'IngressPresent');
    const idle = () => operator.queues.every((q) => q.len() === 0 && q.inFlight() === 0);
    await waitFor(idle, { description: 'idle queues' });
    await new Promise((r) => setTimeout(r, 500));
    // Writes into this test's namespaces only: the other test files share the API server, and this process's
    // operator reconciles their objects too when resynced.
    const mine = () => writeCount({ namespaces: [ns, gw] });
    const before = mine();
    operator.resync();
    await new Promise((r) => setTimeout(r, 300));
    await waitFor(idle, { description: 'resync drained' });
    expect(mine() - before).toBe(0);
  });
});

describe('RagPipeline admission validation (real API server)', () => {
  const api = testKubeConfig().makeApiClient(CustomObjectsApi);
  let namespace = '';
  beforeAll(async () => {
    namespace = await uniqueNamespace('rag-validation');
  });
  const create = (name: string, spec: unknown) =>
    api.createNamespacedCustomObject({
      group: 'ai.higress.io',
      version: 'v1alpha1',
      namespace,
      plural: 'ragpipelines',
      body: { apiVersion: 'ai.higress.io/v1alpha1', kind: 'RagPipeline', metadata: { name }, spec },
    });

  it.each([
    [
      'milvus without secretRef',
      { store: { type: 'milvus', milvus: { address: 'm:19530' } } },
      'spec.store.milvus.secretRef',
      'store type milvus requires milvus.secretRef',
    ],
    ['milvus without milvus', { store: { type: 'milvus' } }, 'spec.store.milvus', 'store type milvus requires milvus.address'],
    [
      'an ingest token for a disabled ingest tool',
      { ingest: { tokenSecretRef: { name: 'kb-ingest', key: 'token' } } },
      'spec.ingest.tokenSecretRef',
      'tokenSecretRef guards the ingest tool: it needs enabled: true',
    ],
    ['pvc source without claim', { sources: [{ name: 'a', type: 'pvc' }] }, 'spec.sources[0].pvc', 'pvc source requires pvc.claimName'],
    [
      'model embedding without dimensions',
      { embedding: { type: 'model', model: { pool: 'p', model: 'e' } } },
      'spec.embedding.dimensions',
      'embedding type model requires dimensions',
    ],
    [
      'encoder embedding without its volume',
      { embedding: { type: 'encoder' } },
      'spec.embedding.encoder',
      'encoder goes with embedding type encoder, and type encoder requires it',
    ],
    [
      'encoder volume with a claim and an image',
      { embedding: { type: 'encoder', encoder: { persistentVolumeClaim: { claimName: 'minilm' }, image: { reference: 'registry.example/minilm:1' } } } },
      'spec.embedding.encoder',
      'set exactly one of persistentVolumeClaim and image',
    ],
    [
      'encoder embedding with dimensions',
      { embedding: { type: 'encoder', encoder: { image: { reference: 'registry.example/minilm:1' } }, dimensions: 384 } },
      'spec.embedding.dimensions',
      "the encoder's model fixes the vector size",
    ],
    ['two replicas on the embedded store', { replicas: 2 }, 'spec.replicas', 'replicas > 1 requires store type milvus'],
    ['crag bands inverted', { stages: { crag: { upper: 0.3, lower: 0.5 } } }, 'spec.stages.crag.lower', 'crag.lower must not exceed crag.upper'],
    [
      'duplicate source names',
      {
        sources: [
          { name: 'a', type: 'url', url: 'http://x.svc/a' },
          { name: 'a', type: 'url', url: 'http://x.svc/b' },
        ],
      },
      'spec.sources',
      'source names must be unique',
    ],
  ])('rejects %s', async (_name, spec, field, message) => {
    let causes: { field?: string; message?: string }[] | undefined;
    try {
      await create('bad', spec);
    } catch (error) {
      if (!(error instanceof ApiException)) throw error;
      expect(error.code).toBe(422);
      const body = (typeof error.body === 'string' ? JSON.parse(error.body) : error.body) as { details?: { causes?: typeof causes } };
      causes = body.details?.causes;
    }
    expect(causes).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.stringContaining(message) })]));
  });

  it('accepts the minimal spec and applies defaults', async () => {
    const created = (await create('ok', {})) as { spec: Record<string, unknown> };
    expect(created.spec).toMatchObject({ replicas: 1, topK: 5, store: { type: 'lancedb' }, embedding: { type: 'hashing' } });
  });
});
