// Faults of the control plane itself, on a control plane of this file's own (the shared one stays untouched):
// - Higress CRDs absent at start: pools say so in a condition, the operator stays up and ready; once the CRDs
//   are installed the pools converge without a restart.
// - kube-apiserver killed (SIGKILL) and started again while reconciles are in flight: watches resume, and work
//   submitted around the outage is neither lost nor done twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../../hack/lib/control-plane.js';
import { HIGRESS_CRDS_DIR, OUR_CRDS_DIR, installCrds } from '../../../hack/lib/crds.js';
import type { ModelPoolObject } from '../../../src/controllers/modelpool.js';
import { modelPoolResource } from '../../../src/controllers/resources.js';
import { KubeClient } from '../../../src/kube/client.js';
import type { McpBridge } from '../../../src/kube/mcpbridge.js';
import { Resources } from '../../../src/kube/resources.js';
import { startOperator, type Operator } from '../../../src/operator.js';
import { createLogger } from '../../../src/util/log.js';
import { waitFor } from '../support/kube.js';
import { twoModelPool } from '../support/pools.js';

let cp: ControlPlane;
let client: KubeClient;
let operator: Operator | undefined;
let respawned: ChildProcess | undefined;

beforeAll(async () => {
  // All our CRDs (every controller's informers must sync for /readyz), none of Higress's: those are installed by
  // the first test, as an administrator would later.
  cp = await startControlPlane({
    crdFiles: readdirSync(OUR_CRDS_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(OUR_CRDS_DIR, f)),
  });
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  client = KubeClient.fromKubeConfig(kc);
  operator = await startOperator({ kubeConfig: kc, resyncPeriodMs: 0, healthPort: 0, log: createLogger('operator', 'silent') });
}, 180_000);

afterAll(async () => {
  await operator?.stop();
  if (respawned?.pid) {
    try {
      process.kill(-respawned.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await cp?.stop();
});

async function namespace(name: string): Promise<string> {
  await client.create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

const readyCondition = (p: ModelPoolObject) => p.status?.conditions?.find((c) => c.type === 'Ready');
const isReady = (p: ModelPoolObject) => {
  const c = readyCondition(p);
  return c?.status === 'True' && c.observedGeneration === p.metadata.generation;
};
const duplicates = (xs: readonly string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);

async function readyNames(ns: string): Promise<string[]> {
  return (await client.list<ModelPoolObject>(modelPoolResource, { namespace: ns })).items.filter(isReady).map((p) => p.metadata.name);
}

describe('control-plane faults', () => {
  it('Higress CRDs absent: a precise condition, then recovery without restart once they are installed', async () => {
    const ns = await namespace('crd-pools');
    const gw = await namespace('crd-gw');
    await client.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: ns }, stringData: { token: 'sk-crd' } });
    await client.create(modelPoolResource, twoModelPool('early', ns, gw));
    const missing = await waitFor(
      async () => {
        const p = await client.get<ModelPoolObject>(modelPoolResource, 'early', ns);
        const c = p && readyCondition(p);
        return c?.reason === 'HigressCRDsMissing' ? c : undefined;
      },
      { timeoutMs: 30_000, description: 'HigressCRDsMissing condition' },
    );
    expect(missing.status).toBe('False');
    expect(missing.message).toContain('wasmplugins.extensions.higress.io');
    expect(missing.message).toContain('mcpbridges.networking.higress.io');
    // Still serving probes and ready (its own kinds synced): no crash loop.
    const ready = await fetch(`http://127.0.0.1:${operator!.healthAddress!.port}/readyz`);
    expect(ready.status).toBe(200);

    const installedAt = Date.now();
    await installCrds(cp.kubeconfigPath, [
      join(HIGRESS_CRDS_DIR, 'wasmplugins.extensions.higress.io.yaml'),
      join(HIGRESS_CRDS_DIR, 'mcpbridges.networking.higress.io.yaml'),
      join(HIGRESS_CRDS_DIR, 'envoyfilters.networking.istio.io.yaml'),
    ]);
    await waitFor(async () => (await readyNames(ns)).includes('early'), { timeoutMs: 60_000, intervalMs: 200, description: 'pool Ready after CRD install' });
    process.stderr.write(`faults: Ready ${Date.now() - installedAt} ms after the Higress CRDs were installed (no restart)\n`);
  });

  it('kube-apiserver SIGKILLed and restarted mid-reconcile: watches resume, nothing lost, nothing doubled', async () => {
    const ns = await namespace('restart-pools');
    const gw = await namespace('restart-gw');
    await client.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: ns }, stringData: { token: 'sk-restart' } });
    const before = Array.from({ length: 10 }, (_, i) => `before-${i}`);
    for (const n of before) await client.create(modelPoolResource, twoModelPool(n, ns, gw));

    // Kill the API server while those reconciles run; start the same binary with the same flags (same
    // port, certificates and etcd), as a crashed static pod is restarted by the kubelet.
    const pid = respawned?.pid ?? cp.pids.kubeApiserver;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    process.kill(-pid, 'SIGKILL');
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    const log = openSync(join(cp.dataDir, 'kube-apiserver-restarted.log'), 'a');
    respawned = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
    // Core paths answer before the CRDs' paths are installed (503 "before all known HTTP paths have been
    // installed"): wait for our own kind's path, which the next writes use.
    await waitFor(
      async () =>
        (await client.list(Resources.Namespace, { limit: 1 })).items.length > 0 && (await client.list(modelPoolResource, { namespace: ns })) !== undefined,
      { timeoutMs: 60_000, intervalMs: 200, description: 'kube-apiserver back with the ModelPool path installed' },
    );
    process.stderr.write(`faults: kube-apiserver down for ${Date.now() - downAt} ms\n`);

    // Changes right after the restart: new pools, a deletion, an update.
    const after = Array.from({ length: 5 }, (_, i) => `after-${i}`);
    for (const n of after) await client.create(modelPoolResource, twoModelPool(n, ns, gw));
    await client.delete(modelPoolResource, 'before-0', ns);
    await client.patch(
      modelPoolResource,
      'before-1',
      ns,
      { metadata: { labels: { touched: 'yes' } }, spec: { models: [twoModelPool('before-1', ns, gw).spec.models[0]] } },
      'merge',
    );

    const expected = [...before.slice(1), ...after].sort();
    await waitFor(
      async () => {
        const ready = (await readyNames(ns)).sort();
        return JSON.stringify(ready) === JSON.stringify(expected);
      },
      { timeoutMs: 120_000, intervalMs: 250, description: 'every remaining pool Ready after the restart' },
    );
    const expectedRegistries = (expected.length - 1) * 2 + 1; // before-1 now has one model
    // The deleted pool is gone at once (no finalizer holds it); its routes and registries follow.
    const [registries, ingresses] = await waitFor(
      async () => {
        const r = (await client.get<McpBridge>(Resources.McpBridge, 'default', gw))?.spec?.registries?.map((x) => x.name) ?? [];
        const i = (await client.list(Resources.Ingress, { namespace: gw })).items.map((o) => o.metadata.name ?? '');
        return r.length === expectedRegistries && i.length === expectedRegistries ? ([r, i] as const) : undefined;
      },
      { timeoutMs: 30_000, description: 'registries and routes settle' },
    );
    expect(duplicates(registries)).toEqual([]);
    expect(registries.filter((n) => n.includes('before-0-'))).toEqual([]);
    expect(ingresses.filter((n) => n.includes('before-0-'))).toEqual([]);
    expect(ingresses).toHaveLength(expectedRegistries);
    expect(await client.get(modelPoolResource, 'before-0', ns)).toBeUndefined();
  });
});
