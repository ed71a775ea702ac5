// The operator process SIGKILLed again and again while pools are created and deleted in a storm, then a
// Secret deleted under a live pool. Afterwards: 0 orphans (nothing generated for a deleted pool), 0 duplicates,
// every live pool Ready, and the Secret's loss (and return) visible in status — never its value.
import { afterAll, describe, expect, it } from '@jest/globals';
import type { ModelPoolObject } from '../../../src/controllers/modelpool.js';
import { modelPoolResource } from '../../../src/controllers/resources.js';
import { KubeClient } from '../../../src/kube/client.js';
import type { McpBridge } from '../../../src/kube/mcpbridge.js';
import type { KubeObject } from '../../../src/kube/object.js';
import { Resources } from '../../../src/kube/resources.js';
import { startOperatorProcess, type OperatorProcess } from '../support/operator-process.js';
import { testKubeConfig, uniqueNamespace, waitFor } from '../support/kube.js';
import { twoModelPool } from '../support/pools.js';

const client = KubeClient.fromKubeConfig(testKubeConfig());
let op: OperatorProcess | undefined;
afterAll(async () => {
  await op?.kill('SIGKILL');
});

interface WasmPluginObj extends KubeObject {
  spec: { matchRules?: Array<{ config: { activeProviderId?: string } }> };
}

const readyOf = (p: ModelPoolObject) => p.status?.conditions?.find((c) => c.type === 'Ready');
const duplicates = (xs: readonly string[]) => xs.filter((x, i) => xs.indexOf(x) !== i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill -9 storms', () => {
  it('create/delete storm with the operator killed 4 times: 0 orphans, 0 duplicates', async () => {
    const ns = await uniqueNamespace('storm-pools');
    const gw = await uniqueNamespace('storm-gw');
    await client.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: ns }, stringData: { token: 'sk-storm' } });
    const live = new Set<string>();
    const deleted = new Set<string>();
    let next = 0;
    const kills = 4;
    for (let round = 0; round < kills; round++) {
      op = await startOperatorProcess({ name: `storm-${round}`, args: ['--no-leader-elect', '--resync-seconds=0'], logLevel: 'error' });
      // A burst of creates and deletes while this incarnation works, then SIGKILL mid-flight.
      for (let i = 0; i < 8; i++) {
        const name = `p-${next++}`;
        await client.create(modelPoolResource, twoModelPool(name, ns, gw));
        live.add(name);
      }
      for (const name of [...live].slice(0, 3)) {
        await client.delete(modelPoolResource, name, ns);
        live.delete(name);
        deleted.add(name);
      }
      await sleep(1500 + round * 500);
      await op.kill('SIGKILL');
    }
    op = await startOperatorProcess({ name: 'storm-final', args: ['--no-leader-elect', '--resync-seconds=0'], logLevel: 'error' });

    await waitFor(
      async () => {
        const pools = (await client.list<ModelPoolObject>(modelPoolResource, { namespace: ns })).items;
        const names = pools.map((p) => p.metadata.name).sort();
        return (
          JSON.stringify(names) === JSON.stringify([...live].sort()) &&
          pools.every((p) => readyOf(p)?.status === 'True' && readyOf(p)?.observedGeneration === p.metadata.generation)
        );
      },
      { timeoutMs: 120_000, intervalMs: 250, description: 'live pools Ready and deleted pools gone' },
    );
    const expected = live.size * 2;
    // Deleted pools are gone at once (no finalizer holds them); their routes and entries follow.
    const [registries, ingresses] = await waitFor(
      async () => {
        const r = (await client.get<McpBridge>(Resources.McpBridge, 'default', gw))?.spec?.registries?.map((x) => x.name) ?? [];
        const i = (await client.list(Resources.Ingress, { namespace: gw })).items.map((o) => o.metadata.name ?? '');
        return r.length === expected && i.length === expected ? ([r, i] as const) : undefined;
      },
      { timeoutMs: 30_000, description: 'registries and routes settle' },
    );
    const proxy = await client.get<WasmPluginObj>(Resources.WasmPlugin, 'ai-proxy.internal', gw);
    const rules = proxy?.spec.matchRules?.map((r) => r.config.activeProviderId ?? '') ?? [];
    const orphan = (n: string) => [...deleted].some((d) => n.includes(`-${d}-`));
    const orphans = [...registries, ...rules, ...ingresses].filter(orphan);
    const dups = [...duplicates(registries), ...duplicates(rules), ...duplicates(ingresses)];
    process.stderr.write(
      `faults: storm of ${next} creates / ${deleted.size} deletes across ${kills} SIGKILLs: ${orphans.length} orphans, ${dups.length} duplicates, ${live.size} pools Ready\n`,
    );
    expect(orphans).toEqual([]);
    expect(dups).toEqual([]);
    expect(registries).toHaveLength(expected);
    expect(ingresses).toHaveLength(expected);
  });

  it('a Secret deleted under a live pool: a condition naming it, recovery when it returns, its value nowhere', async () => {
    // Debug logging: the most the operator ever says, grepped below for the Secret's value.
    await op?.kill('SIGKILL');
    op = await startOperatorProcess({ name: 'secret-op', args: ['--no-leader-elect', '--resync-seconds=0'], logLevel: 'debug' });
    const ns = await uniqueNamespace('secret-pools');
    const gw = await uniqueNamespace('secret-gw');
    const value = `sk-canary-${Math.random().toString(36).slice(2)}`;
    await client.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: ns }, stringData: { token: value } });
    await client.create(modelPoolResource, twoModelPool('live', ns, gw));
    const get = () => client.get<ModelPoolObject>(modelPoolResource, 'live', ns);
    await waitFor(async () => readyOf((await get())!)?.status === 'True', { timeoutMs: 60_000, description: 'pool Ready' });

    await client.delete(Resources.Secret, 'k', ns);
    const lost = await waitFor(
      async () => {
        const c = readyOf((await get())!);
        return c?.status === 'False' ? c : undefined;
      },
      { timeoutMs: 30_000, description: 'Ready=False after the Secret is deleted' },
    );
    expect(lost.message).toContain('k');
    expect(lost.reason).toMatch(/Secret/);

    await client.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: ns }, stringData: { token: value } });
    await waitFor(async () => readyOf((await get())!)?.status === 'True', { timeoutMs: 30_000, description: 'Ready again when the Secret returns' });
    process.stderr.write(`faults: secret deleted under a live pool -> ${lost.reason}: ${lost.message}\n`);

    // The value (and its base64) must appear in no log line, Event or status — only in the gateway's config.
    const events = JSON.stringify((await client.list(Resources.Event, { namespace: ns })).items);
    const status = JSON.stringify((await get())?.status);
    const logs = op.output();
    const encoded = Buffer.from(value).toString('base64');
    expect(logs.length).toBeGreaterThan(1000); // debug logs really were captured
    for (const [where, text] of [
      ['logs', logs],
      ['events', events],
      ['status', status],
    ] as const) {
      expect({ where, leaked: text.includes(value) || text.includes(encoded) }).toEqual({ where, leaked: false });
    }
  });
});
