// The other side of admission: every object the reconciler renders in the golden snapshots is accepted by
// the real API server (Higress CRD fixtures + built-in Ingress) and survives structural pruning unchanged,
// so no field we emit is silently dropped. Server-side dry run: nothing is persisted.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiException, CoreV1Api, CustomObjectsApi, NetworkingV1Api, type V1Ingress } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { testKubeConfig } from './support/kube.js';

const GOLDEN_DIR = join(import.meta.dirname, '../../src/reconcilers/__golden__');

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: unknown;
}

const docs: { file: string; doc: Doc }[] = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) => parseAllDocuments(readFileSync(join(GOLDEN_DIR, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as Doc })))
  // EnvoyFilter is an Istio CRD the harness does not install; status documents are not objects.
  .filter(({ doc }) => ['WasmPlugin', 'McpBridge', 'Ingress'].includes(doc.kind));

const CUSTOM = {
  WasmPlugin: { group: 'extensions.higress.io', version: 'v1alpha1', plural: 'wasmplugins' },
  McpBridge: { group: 'networking.higress.io', version: 'v1', plural: 'mcpbridges' },
} as const;

function explain(error: unknown): string {
  return error instanceof ApiException ? String(error.body) : String(error);
}

// One fresh namespace: other suites on the shared API server create real console objects (key-auth.internal,
// ai-proxy.internal) in the goldens' namespace, and a dry-run create of an existing name answers 409.
const NS = `render-${process.pid}-${Date.now().toString(36)}`;

describe('rendered Higress objects on the real API server', () => {
  const kc = testKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const net = kc.makeApiClient(NetworkingV1Api);

  beforeAll(async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });

  it('covers every kind the goldens contain', () => {
    expect(new Set(docs.map((d) => d.doc.kind))).toEqual(new Set(['WasmPlugin', 'McpBridge', 'Ingress']));
  });

  it.each(docs.map(({ file, doc }) => [`${file}: ${doc.kind} ${doc.metadata.name}`, { ...doc, metadata: { ...doc.metadata, namespace: NS } }] as const))(
    '%s is admitted unpruned',
    async (_label, doc) => {
      let stored: { spec?: unknown };
      try {
        if (doc.kind === 'Ingress') {
          stored = await net.createNamespacedIngress({ namespace: doc.metadata.namespace, body: doc as unknown as V1Ingress, dryRun: 'All' });
        } else {
          const rt = CUSTOM[doc.kind as keyof typeof CUSTOM];
          stored = (await custom.createNamespacedCustomObject({ ...rt, namespace: doc.metadata.namespace, body: doc, dryRun: 'All' })) as { spec?: unknown };
        }
      } catch (error) {
        throw new Error(`rejected: ${explain(error)}`, { cause: error });
      }
      // Ingress comes back as a typed model; compare through JSON so undefined members vanish.
      expect(JSON.parse(JSON.stringify(stored.spec))).toEqual(doc.spec);
    },
  );
});
