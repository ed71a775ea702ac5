// McpBridge/default read-merge-write on the real API server: foreign entries survive, nothing is written
// when converged, a concurrent writer's 409 is retried on a fresh read, our entries go on delete.
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { KubeClient, RequestStats } from '../../../src/kube/client.js';
import { MCPBRIDGE_NAME, removeRegistries, syncRegistries, type McpBridge, type Registry } from '../../../src/kube/mcpbridge.js';
import { Resources } from '../../../src/kube/resources.js';
import { testKubeConfig, uniqueNamespace } from '../support/kube.js';

jest.setTimeout(60_000);

const client = KubeClient.fromKubeConfig(testKubeConfig(), new RequestStats());
// Each test gets its own "Higress namespace": the kit does not care which namespace holds the bridge.
let ns: string;

const reg = (name: string, domain = 'api.example.com'): Registry => ({ name, type: 'dns', domain, port: 443, protocol: 'https' });
const consoleEntry = reg('llm-openai.internal', 'api.openai.com');
const poolA = { kind: 'ModelPool', namespace: 'team-a', name: 'a' };
const poolB = { kind: 'ModelPool', namespace: 'team-b', name: 'b' };

async function bridge(): Promise<McpBridge | undefined> {
  return client.get<McpBridge>(Resources.McpBridge, MCPBRIDGE_NAME, ns);
}

const names = (b: McpBridge | undefined): string[] => (b?.spec?.registries ?? []).map((r) => r.name);

beforeEach(async () => {
  ns = await uniqueNamespace('kube-mcpbridge');
});

describe('syncRegistries', () => {
  it('creates the bridge when missing and writes nothing when converged', async () => {
    expect(await syncRegistries(client, { namespace: ns, owner: poolA, registries: [reg('hao-a-1')] })).toMatchObject({ written: true });
    expect(names(await bridge())).toEqual(['hao-a-1']);
    const before = client.stats.writeCount();
    expect(await syncRegistries(client, { namespace: ns, owner: poolA, registries: [reg('hao-a-1')] })).toMatchObject({ written: false });
    expect(client.stats.writeCount() - before).toBe(0);
    // Empty desired state on a missing bridge does not create one.
    const other = await uniqueNamespace('kube-mcpbridge-empty');
    expect(await removeRegistries(client, { namespace: other, owner: poolA })).toMatchObject({ written: false });
    expect(await client.get(Resources.McpBridge, MCPBRIDGE_NAME, other)).toBeUndefined();
  });

  it('keeps a foreign (console) entry and other fields, and removes only ours on delete', async () => {
    await client.create<McpBridge>(Resources.McpBridge, {
      metadata: { name: MCPBRIDGE_NAME, namespace: ns },
      spec: { registries: [consoleEntry], proxies: [{ type: 'http', name: 'egress', serverAddress: '10.0.0.1', serverPort: 3128 }] },
    });
    await syncRegistries(client, { namespace: ns, owner: poolA, registries: [reg('hao-a-2'), reg('hao-a-1')] });
    await syncRegistries(client, { namespace: ns, owner: poolB, registries: [reg('hao-b-1')] });
    let b = await bridge();
    expect(names(b)).toEqual(['llm-openai.internal', 'hao-a-1', 'hao-a-2', 'hao-b-1']);
    expect(b?.spec?.registries?.[0]).toEqual(consoleEntry);
    expect(b?.spec?.proxies).toEqual([{ type: 'http', name: 'egress', serverAddress: '10.0.0.1', serverPort: 3128 }]);

    // A ModelPool may not take over a console entry by name.
    await expect(syncRegistries(client, { namespace: ns, owner: poolA, registries: [reg('llm-openai.internal')] })).rejects.toMatchObject({
      reason: 'RegistryNameConflict',
    });

    await removeRegistries(client, { namespace: ns, owner: poolA });
    b = await bridge();
    expect(names(b)).toEqual(['llm-openai.internal', 'hao-b-1']);
  });

  it('resolves a conflict with a concurrent writer by re-reading and merging again', async () => {
    await syncRegistries(client, { namespace: ns, owner: poolA, registries: [reg('hao-a-1')] });
    const stale = await bridge();
    // Someone else (the console) writes in between: our cached copy is now stale.
    await client.update<McpBridge>(Resources.McpBridge, {
      ...stale!,
      spec: { ...stale!.spec, registries: [...(stale!.spec?.registries ?? []), consoleEntry] },
    });
    const result = await syncRegistries(client, { namespace: ns, owner: poolA, registries: [reg('hao-a-1'), reg('hao-a-2')], cached: stale });
    expect(result).toEqual({ written: true, attempts: 2 }); // first PUT got 409 Conflict
    expect(names(await bridge())).toEqual(['hao-a-1', 'llm-openai.internal', 'hao-a-2']);
  });

  it('converges when many owners and a foreign writer race on the same bridge', async () => {
    const other = KubeClient.fromKubeConfig(testKubeConfig(), new RequestStats());
    const owners = Array.from({ length: 6 }, (_, i) => ({ kind: 'ModelPool', namespace: 'race', name: `p${i}` }));
    // The foreign writer uses plain read-modify-write with resourceVersion, like the Higress console.
    const foreign = (async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const b = await other.get<McpBridge>(Resources.McpBridge, MCPBRIDGE_NAME, ns);
        try {
          if (!b)
            await other.create<McpBridge>(Resources.McpBridge, { metadata: { name: MCPBRIDGE_NAME, namespace: ns }, spec: { registries: [consoleEntry] } });
          else await other.update<McpBridge>(Resources.McpBridge, { ...b, spec: { ...b.spec, registries: [...(b.spec?.registries ?? []), consoleEntry] } });
          return;
        } catch {
          // 409 / AlreadyExists: retry on a fresh read
        }
      }
    })();
    await Promise.all([foreign, ...owners.map((o) => syncRegistries(client, { namespace: ns, owner: o, registries: [reg(`hao-${o.name}`)] }))]);
    expect(names(await bridge()).sort()).toEqual(['hao-p0', 'hao-p1', 'hao-p2', 'hao-p3', 'hao-p4', 'hao-p5', 'llm-openai.internal']);
  });
});
