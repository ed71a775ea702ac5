// Apply helpers against the real API server: steady state makes zero write requests (counted), a
// changed desired state or a hand edit is written back, stale outputs are pruned.
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { applyIfChanged, deleteIfExists, pruneOwned } from '../../../src/kube/apply.js';
import { KubeClient, RequestStats, writeCount } from '../../../src/kube/client.js';
import type { KubeObject } from '../../../src/kube/object.js';
import { withOwner } from '../../../src/kube/owner.js';
import { Resources } from '../../../src/kube/resources.js';
import { testKubeConfig, uniqueNamespace } from '../support/kube.js';

jest.setTimeout(60_000);

interface Ingress extends KubeObject {
  spec: Record<string, unknown>;
}

let stats: RequestStats;
let client: KubeClient;
let ns: string;

beforeAll(async () => {
  stats = new RequestStats();
  client = KubeClient.fromKubeConfig(testKubeConfig(), stats);
  ns = await uniqueNamespace('kube-apply');
});

const owner = { kind: 'ModelPool', namespace: 'team-a', name: 'pool' };

function ingress(name: string, host: string): Ingress {
  // Written the way the API server stores it (no fields it would default or normalise).
  return withOwner(
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace: ns, annotations: { 'higress.io/destination': 'llm-openai.internal.dns:443' } },
      spec: {
        ingressClassName: 'higress',
        rules: [
          {
            host,
            http: {
              paths: [
                {
                  path: '/v1/chat/completions',
                  pathType: 'Prefix',
                  backend: { resource: { apiGroup: 'networking.higress.io', kind: 'McpBridge', name: 'default' } },
                },
              ],
            },
          },
        ],
      },
    },
    owner,
  );
}

describe('applyIfChanged', () => {
  it('creates, then performs zero writes while unchanged (counted), then writes a change', async () => {
    const desired = ingress('route-a', 'ai.example.com');
    const created = await applyIfChanged(client, Resources.Ingress, desired);
    expect(created).toMatchObject({ written: true, reason: 'Missing' });

    const globalBefore = writeCount();
    const before = stats.writeCount();
    for (let i = 0; i < 3; i++) {
      const again = await applyIfChanged(client, Resources.Ingress, ingress('route-a', 'ai.example.com'));
      expect(again).toMatchObject({ written: false, reason: 'UpToDate' });
    }
    // With the observed object handed in (as from an informer cache) there is not even a read.
    const reads = stats.snapshot()['get networking.k8s.io/ingresses'] ?? 0;
    const cached = await client.get<Ingress>(Resources.Ingress, 'route-a', ns);
    await applyIfChanged(client, Resources.Ingress, desired, { observed: cached });
    expect(stats.snapshot()['get networking.k8s.io/ingresses']).toBe(reads + 1); // only the explicit get above
    expect(stats.writeCount() - before).toBe(0);
    expect(writeCount() - globalBefore).toBe(0);

    const changed = await applyIfChanged(client, Resources.Ingress, ingress('route-a', 'ai2.example.com'));
    expect(changed).toMatchObject({ written: true, reason: 'Changed' });
    const read = await client.get<Ingress>(Resources.Ingress, 'route-a', ns);
    expect((read?.spec.rules as Array<{ host: string }>)[0]?.host).toBe('ai2.example.com');
    expect(read?.metadata.managedFields?.some((f) => f.manager === 'higress-ai-operator' && f.operation === 'Apply')).toBe(true);
  });

  it('repairs a hand edit of a field it owns (Drifted), then is quiet again', async () => {
    const desired = ingress('route-b', 'b.example.com');
    await applyIfChanged(client, Resources.Ingress, desired);
    await client.patch(Resources.Ingress, 'route-b', ns, { metadata: { annotations: { 'higress.io/destination': 'evil.dns:80' } } }, 'merge', {
      fieldManager: 'kubectl-edit',
    });
    const repaired = await applyIfChanged(client, Resources.Ingress, desired);
    expect(repaired).toMatchObject({ written: true, reason: 'Drifted' });
    expect(repaired.object?.metadata.annotations?.['higress.io/destination']).toBe('llm-openai.internal.dns:443');
    const before = stats.writeCount();
    expect(await applyIfChanged(client, Resources.Ingress, desired)).toMatchObject({ written: false });
    expect(stats.writeCount() - before).toBe(0);
  });

  it('prunes outputs of an owner that are no longer desired, and deleteIfExists is idempotent', async () => {
    await applyIfChanged(client, Resources.Ingress, ingress('keep', 'k.example.com'));
    await applyIfChanged(client, Resources.Ingress, ingress('stale', 's.example.com'));
    const deleted = await pruneOwned(client, Resources.Ingress, ns, owner, new Set(['keep', 'route-a', 'route-b']));
    expect(deleted).toEqual(['stale']);
    expect(await client.get(Resources.Ingress, 'stale', ns)).toBeUndefined();
    expect(await deleteIfExists(client, Resources.Ingress, 'keep', ns)).toBe(true);
    expect(await deleteIfExists(client, Resources.Ingress, 'keep', ns)).toBe(false);
  });

  it('surfaces API-server rejection with a reason', async () => {
    const bad = ingress('Bad_Name', 'x.example.com');
    await expect(applyIfChanged(client, Resources.Ingress, bad)).rejects.toMatchObject({ reason: 'Invalid', code: 422 });
  });
});
