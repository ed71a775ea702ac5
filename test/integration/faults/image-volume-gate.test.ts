// A cluster whose API server has the ImageVolume feature gate off (the default in Kubernetes 1.31–1.34) removes
// `image` volumes and their mounts from pod templates without an error (pkg/api/pod/util.go dropImageVolumes). An
// encoder mounted from an OCI image would then silently be missing from the pods, and the stored Deployment would
// look drifted on every reconcile. On a control plane of this file's own, started with the gate off: Ready names
// the spec field and the alternative, and the operator does not apply the Deployment again on every reconcile (each such apply is a no-op
// PATCH the server answers with the volume dropped again).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../../hack/lib/control-plane.js';
import { Deployments, type RagPipelineObject } from '../../../src/controllers/ragpipeline.js';
import { modelPoolResource, ragPipelineResource } from '../../../src/controllers/resources.js';
import { semanticRouterResource, type SemanticRouterObject } from '../../../src/controllers/semanticrouter.js';
import { KubeClient } from '../../../src/kube/client.js';
import type { KubeObject } from '../../../src/kube/object.js';
import { Resources } from '../../../src/kube/resources.js';
import { startOperator, type Operator } from '../../../src/operator.js';
import { loadModels, routingDataDir } from '../../../src/simulator/data.js';
import { createLogger } from '../../../src/util/log.js';
import { join } from 'node:path';
import { waitFor } from '../support/kube.js';
import { matrixRouter, simulatorPool } from '../support/pools.js';

const MODELS = loadModels(join(routingDataDir(), 'models.json')).slice(0, 2);
const IMAGE = { reference: 'registry.example/minilm:1', pullPolicy: 'IfNotPresent' };
let cp: ControlPlane;
let client: KubeClient;
let operator: Operator | undefined;

beforeAll(async () => {
  cp = await startControlPlane({ apiserverArgs: ['--feature-gates=ImageVolume=false'] });
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  client = KubeClient.fromKubeConfig(kc);
  // A 1 s resync: every object is reconciled again and again while the test watches for rewrites.
  operator = await startOperator({ kubeConfig: kc, resyncPeriodMs: 1000, healthPort: 0, log: createLogger('operator', 'silent') });
  await operator.synced;
}, 180_000);

afterAll(async () => {
  await operator?.stop();
  await cp?.stop();
});

async function namespace(name: string): Promise<string> {
  await client.create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

type Conditioned = KubeObject & { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } };

async function readyReason(rt: typeof ragPipelineResource, name: string, ns: string, reason: string) {
  return waitFor(
    async () => {
      const c = (await client.get<Conditioned>(rt, name, ns))?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.reason === reason ? c : undefined;
    },
    { timeoutMs: 30_000, description: `${rt.kind} ${ns}/${name} Ready reason ${reason}` },
  );
}

/** The operator's Deployment writes so far (this process's request counter: the test itself only reads them). */
async function deploymentWrites(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${operator!.healthAddress!.port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('higress_ai_operator_kube_requests_total{') && l.includes('deployments') && l.includes('write="true"'))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

/** No Deployment write over a few resyncs: the dropped volume is not applied again and again. */
async function notRewritten(): Promise<void> {
  const before = await deploymentWrites();
  await new Promise((r) => setTimeout(r, 3500));
  expect(await deploymentWrites()).toBe(before);
}

describe('encoder image volume on a cluster without the ImageVolume feature gate', () => {
  it('SemanticRouter: Ready names spec.cache.encoder.image, and the Deployment is written once', async () => {
    const ns = await namespace('iv-router');
    const gw = await namespace('iv-router-gw');
    await client.create(modelPoolResource, simulatorPool(ns, gw, 'http://127.0.0.1:9', MODELS));
    await client.create(semanticRouterResource, matrixRouter(ns, 'auto', gw, MODELS, { cache: { encoder: { image: IMAGE } } }));
    const ready = await readyReason(semanticRouterResource, 'auto', ns, 'ImageVolumeUnsupported');
    expect(ready.status).toBe('False');
    expect(ready.message).toMatch(
      /^spec\.cache\.encoder\.image: this cluster removes image volumes .* mount it from spec\.cache\.encoder\.persistentVolumeClaim instead$/,
    );
    const stored = await client.get<KubeObject & { spec?: { template?: { spec?: { volumes?: { name: string }[] } } } }>(Deployments, 'auto-router', ns);
    expect(stored?.spec?.template?.spec?.volumes?.map((v) => v.name)).not.toContain('cache-encoder');
    await notRewritten();
    // Moving the encoder to a claim is applied, and the reason goes.
    await client.patch(
      semanticRouterResource,
      'auto',
      ns,
      { spec: { cache: { encoder: { image: null, persistentVolumeClaim: { claimName: 'minilm' } } } } },
      'merge',
    );
    await waitFor(
      async () => {
        const r = await client.get<SemanticRouterObject>(semanticRouterResource, 'auto', ns);
        const c = r?.status?.conditions?.find((x) => x.type === 'Ready');
        return c && c.reason !== 'ImageVolumeUnsupported' && c.observedGeneration === r?.metadata.generation ? c : undefined;
      },
      { timeoutMs: 30_000, description: 'Ready no longer ImageVolumeUnsupported' },
    );
  });

  it('RagPipeline: Ready names spec.embedding.encoder.image, and the Deployment is written once', async () => {
    const ns = await namespace('iv-rag');
    await client.create(ragPipelineResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'RagPipeline',
      metadata: { name: 'kb', namespace: ns },
      spec: { embedding: { type: 'encoder', encoder: { image: IMAGE } } },
    } as RagPipelineObject);
    const ready = await readyReason(ragPipelineResource, 'kb', ns, 'ImageVolumeUnsupported');
    expect(ready.message).toMatch(/^spec\.embedding\.encoder\.image: .* spec\.embedding\.encoder\.persistentVolumeClaim instead$/);
    await notRewritten();
  });
});
