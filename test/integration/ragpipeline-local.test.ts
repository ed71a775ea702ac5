// Local-process mode against the real kube-apiserver: the operator starts the RAG runtime itself on loopback
// (no pods in the harness), feeds it the pipeline's sources, and reads tools and index size back over MCP.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LocalProcessLocator } from '../../src/controllers/ragpipeline-local.js';
import { PersistentVolumeClaims, type RagPipelineObject } from '../../src/controllers/ragpipeline.js';
import { ragPipelineResource } from '../../src/controllers/resources.js';
import { KubeClient } from '../../src/kube/client.js';
import { Resources } from '../../src/kube/resources.js';
import { INGEST_TOKEN_HEADER } from '../../src/rag/server.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { createLogger } from '../../src/util/log.js';
import { claimObject, operatorKubeConfig, testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';

const kc = testKubeConfig();
const client = KubeClient.fromKubeConfig(kc);
const log = createLogger('operator', 'warn');
const stateDir = mkdtempSync(join(tmpdir(), 'rag-local-'));
let operator: Operator;

beforeAll(async () => {
  // The operator (and its local-process locator) run as its ServiceAccount; fixtures use the admin `client`.
  const operatorKc = operatorKubeConfig();
  const locator = new LocalProcessLocator({ client: KubeClient.fromKubeConfig(operatorKc), log, stateDir, startTimeoutMs: 60_000 });
  operator = await startOperator({ kubeConfig: operatorKc, resyncPeriodMs: 0, log, rag: { locator } });
  await operator.synced;
});
afterAll(async () => {
  await operator.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('RagPipeline local-process mode', () => {
  it('runs the runtime as a child process, ingests inline and ConfigMap sources, and reports tools and counts', async () => {
    const ns = await uniqueNamespace('rag-local');
    await client.create(Resources.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'handbook', namespace: ns },
      data: { 'gateway.md': 'The gateway routes model traffic. It exposes MCP servers on prefixed paths.' },
    } as never);
    await client.create(ragPipelineResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'RagPipeline',
      metadata: { name: 'kb', namespace: ns },
      spec: {
        sources: [
          { name: 'faq', type: 'inline', documents: [{ id: 'd1', title: 'Higress', text: 'Higress is a cloud-native gateway built on Envoy.' }] },
          { name: 'handbook', type: 'configMap', configMap: { name: 'handbook' } },
        ],
      },
    } as RagPipelineObject);
    const ready = await waitFor(
      async () => {
        const p = await client.get<RagPipelineObject>(ragPipelineResource, 'kb', ns);
        const c = p?.status?.conditions?.find((x) => x.type === 'Ready');
        return c?.status === 'True' && p?.status?.discoveredTools ? p : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, description: 'local runtime Ready with discovered tools' },
    );
    expect(ready.status?.conditions?.find((x) => x.type === 'Ready')?.reason).toBe('LocalProcess');
    expect(ready.status?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    // spec.ingest not set: the MCP server offers no way to write into the index.
    expect(ready.status?.discoveredTools).toEqual(['answer', 'search']);
    expect(ready.status?.documentsIndexed).toBe(2);
    expect(ready.status?.chunksIndexed).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('offers ingest when spec.ingest asks, to callers with the token of its Secret (the env a pod would get)', async () => {
    const ns = await uniqueNamespace('rag-ingest');
    await client.create(Resources.Secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kb-ingest', namespace: ns },
      stringData: { token: 'tok-123' },
    } as never);
    await client.create(ragPipelineResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'RagPipeline',
      metadata: { name: 'kb', namespace: ns },
      spec: { ingest: { enabled: true, tokenSecretRef: { name: 'kb-ingest', key: 'token' } } },
    } as RagPipelineObject);
    const ready = await waitFor(
      async () => {
        const p = await client.get<RagPipelineObject>(ragPipelineResource, 'kb', ns);
        return p?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') && p.status.discoveredTools ? p : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, description: 'ingest pipeline Ready with discovered tools' },
    );
    expect(ready.status?.discoveredTools).toEqual(['answer', 'ingest', 'search']);
    const ingest = async (token: string) => {
      const mcp = new Client({ name: 'ingest-test', version: '0.0.1' });
      await mcp.connect(new StreamableHTTPClientTransport(new URL(ready.status!.endpoint!), { requestInit: { headers: { [INGEST_TOKEN_HEADER]: token } } }));
      try {
        return (await mcp.callTool({ name: 'ingest', arguments: { documents: [{ id: 'new', text: 'A new document.' }] } })) as {
          isError?: boolean;
          content: { text?: string }[];
        };
      } finally {
        await mcp.close();
      }
    };
    expect(JSON.parse((await ingest('guess')).content[0]!.text!)).toMatchObject({ reason: 'IngestForbidden' });
    expect((await ingest('tok-123')).isError).toBeFalsy();
  }, 120_000);

  it("embeds with the sentence encoder (embedding type encoder: the volume in a cluster, this machine's model here)", async () => {
    execFileSync('bash', [new URL('../../hack/ensure-embedding-model.sh', import.meta.url).pathname], { stdio: 'inherit' });
    const ns = await uniqueNamespace('rag-encoder');
    // The claim a cluster would mount the model from: it must exist (PersistentVolumeClaimNotFound otherwise).
    await client.create(PersistentVolumeClaims, claimObject(ns, 'minilm'));
    await client.create(ragPipelineResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'RagPipeline',
      metadata: { name: 'kb', namespace: ns },
      spec: {
        embedding: { type: 'encoder', encoder: { persistentVolumeClaim: { claimName: 'minilm' } } },
        sources: [{ name: 'faq', type: 'inline', documents: [{ id: 'd1', title: 'Higress', text: 'Higress is a cloud-native gateway built on Envoy.' }] }],
      },
    } as RagPipelineObject);
    const ready = await waitFor(
      async () => {
        const p = await client.get<RagPipelineObject>(ragPipelineResource, 'kb', ns);
        return p?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') && p.status.chunksIndexed ? p : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, description: 'encoder pipeline Ready and indexed' },
    );
    expect(ready.status?.documentsIndexed).toBe(1);
  }, 120_000);
});
