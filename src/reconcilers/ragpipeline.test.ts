import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { expectGolden } from '../../test/support/golden.js';
import { parse, stringify } from 'yaml';
import { ragPipelineSchema, ragPipelineSpecSchema, type RagPipeline } from '../api/v1alpha1/ragpipeline.js';
import { consoleName } from '../higress/console/meta.js';
import { parseRagConfig } from '../rag/config.js';
import { CHECKSUM_ANNOTATION, CONFIG_KEY, renderRagPipeline, runtimeReadiness, type RagRender } from './ragpipeline.js';

const GOLDEN_DIR = join(import.meta.dirname ?? process.cwd(), '__golden__');

function pipeline(namespace: string, name: string, spec: unknown): RagPipeline {
  return ragPipelineSchema.parse({
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'RagPipeline',
    metadata: { namespace, name, uid: '00000000-0000-0000-0000-000000000001' },
    spec,
  });
}

function renderAll(r: RagRender): string {
  const docs: unknown[] = [r.configMap, ...(r.pvc ? [r.pvc] : []), r.deployment, r.service, r.ingress];
  docs.push({ '# status of': `${r.owner.namespace}/${r.owner.name}`, endpoint: r.endpoint, gatewayPath: r.gatewayPath, generatedObjects: r.generatedObjects });
  return docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

const SCENARIOS: Record<string, RagPipeline> = {
  minimal: pipeline('team-a', 'docs', {}),
  'full-embedded': pipeline('team-a', 'kb', {
    gateway: { hosts: ['mcp.example.com'], path: '/mcp-servers/kb' },
    sources: [
      { name: 'faq', type: 'inline', documents: [{ id: 'd1', title: 'Higress', text: 'Higress is a gateway.' }] },
      { name: 'handbook', type: 'configMap', configMap: { name: 'handbook', key: 'handbook.md' } },
      { name: 'wiki', type: 'url', url: 'http://wiki.docs.svc:8080/export.json' },
      { name: 'archive', type: 'pvc', pvc: { claimName: 'archive', path: '/exports/2024' } },
    ],
    chunking: { maxChars: 800 },
    embedding: { type: 'model', model: { pool: 'embeddings', model: 'text-embedding-3-small' }, dimensions: 1536 },
    store: { type: 'lancedb', lancedb: { size: '5Gi', storageClassName: 'fast' } },
    stages: { rerank: { enabled: false }, crag: { upper: 0.8, lower: 0.4 }, retrieve: { mode: 'dense' } },
    topK: 8,
    llm: { pool: 'chat', model: 'gpt-4o' },
    webSearch: { url: 'http://search.tools.svc:8080/search' },
    eval: { configMap: { name: 'kb-eval' } },
    ingest: { enabled: true, tokenSecretRef: { name: 'kb-ingest', key: 'token' } },
    image: 'registry.local/aiop:1.2.3',
    resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } },
  }),
  encoder: pipeline('team-a', 'handbook', {
    embedding: { type: 'encoder', encoder: { persistentVolumeClaim: { claimName: 'minilm' }, path: 'all-MiniLM-L6-v2' } },
  }),
  milvus: pipeline('team-b', 'big', {
    gateway: { namespace: 'gw-prod' },
    store: { type: 'milvus', milvus: { address: 'milvus.vectors.svc:19530', collection: 'big_chunks', secretRef: { name: 'milvus-creds' } } },
    replicas: 3,
  }),
};

describe('renderRagPipeline golden snapshots (UPDATE_GOLDEN=1 to rewrite)', () => {
  for (const [name, p] of Object.entries(SCENARIOS)) {
    it(name, () => expectGolden(GOLDEN_DIR, `ragpipeline-${name}`, renderAll(renderRagPipeline(p))));
  }
});

describe('renderRagPipeline behaviour', () => {
  it('writes a config the runtime itself accepts', () => {
    for (const p of Object.values(SCENARIOS)) {
      const r = renderRagPipeline(p);
      const parsed = parseRagConfig(parse(r.configMap.data[CONFIG_KEY]!));
      expect(parsed.ok ? parsed.config : parsed).toEqual(r.config);
    }
  });

  it('changes the pod-template checksum when (and only when) the config changes', () => {
    const base = SCENARIOS['full-embedded']!;
    const checksumOf = (p: RagPipeline) => {
      const template = (renderRagPipeline(p).deployment.spec as { template: { metadata: { annotations: Record<string, string> } } }).template;
      return template.metadata.annotations[CHECKSUM_ANNOTATION];
    };
    expect(checksumOf(base)).toBe(checksumOf(structuredClone(base)));
    expect(checksumOf({ ...base, spec: { ...base.spec, topK: 9 } })).not.toBe(checksumOf(base));
    // Not part of the config: replicas and resources must not restart pods through the checksum.
    expect(checksumOf({ ...base, spec: { ...base.spec, resources: { limits: { memory: '4Gi' } } } })).toBe(checksumOf(base));
  });

  it('maps spec onto the runtime config: thresholds, models through the gateway, Milvus credentials by env name only', () => {
    const full = renderRagPipeline(SCENARIOS['full-embedded']!).config;
    expect(full.stages.crag).toEqual({ enabled: true, upper: 0.8, lower: 0.4, denseFloor: 0.55 });
    expect(full.stages.compress.minPassageScore).toBe(0.4);
    expect(full.stages.rerank.enabled).toBe(false);
    expect(full.embedding).toMatchObject({
      kind: 'openai',
      baseUrl: 'http://higress-gateway.higress-system.svc.cluster.local/v1',
      model: 'text-embedding-3-small',
      dimensions: 1536,
    });
    expect(full.llm?.model).toBe('gpt-4o');
    const milvus = renderRagPipeline(SCENARIOS.milvus!);
    expect(milvus.config.store).toEqual({
      kind: 'milvus',
      address: 'milvus.vectors.svc:19530',
      collection: 'big_chunks',
      usernameEnv: 'RAG_MILVUS_USERNAME',
      passwordEnv: 'RAG_MILVUS_PASSWORD',
    });
    expect(milvus.pvc).toBeUndefined();
  });

  it('offers the ingest tool only when asked, guarded by a token from a Secret read by env name', () => {
    expect(renderRagPipeline(SCENARIOS.minimal!).config.ingest).toEqual({ enabled: false });
    const full = renderRagPipeline(SCENARIOS['full-embedded']!);
    expect(full.config.ingest).toEqual({ enabled: true, tokenEnv: 'RAG_INGEST_TOKEN' });
    const container = (full.deployment.spec as { template: { spec: { containers: { env?: unknown[] }[] } } }).template.spec.containers[0]!;
    expect(container.env).toContainEqual({ name: 'RAG_INGEST_TOKEN', valueFrom: { secretKeyRef: { name: 'kb-ingest', key: 'token' } } });
    const issues = (ingest: unknown) => ragPipelineSpecSchema.safeParse({ ingest }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ tokenSecretRef: { name: 's', key: 'k' } })).toEqual([
      'ingest.tokenSecretRef: tokenSecretRef guards the ingest tool: it needs enabled: true',
    ]);
    expect(issues({ enabled: true })).toEqual([]);
  });

  it('runs a sentence encoder in the RAG server from a read-only volume (embedding type encoder); the spec rules hold', () => {
    const r = renderRagPipeline(SCENARIOS.encoder!);
    expect(r.config.embedding).toEqual({ kind: 'onnx', modelDir: '/var/lib/rag-encoder/all-MiniLM-L6-v2' });
    const pod = (r.deployment.spec as { template: { spec: { volumes: unknown[]; containers: { volumeMounts: unknown[] }[] } } }).template.spec;
    expect(pod.volumes).toContainEqual({ name: 'encoder', persistentVolumeClaim: { claimName: 'minilm', readOnly: true } });
    expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: 'encoder', mountPath: '/var/lib/rag-encoder', readOnly: true });
    const issues = (embedding: unknown) => ragPipelineSpecSchema.safeParse({ embedding }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ type: 'encoder' })).toEqual([
      'embedding.encoder: encoder goes with embedding type encoder, and type encoder requires it (the volume with the model files)',
    ]);
    expect(issues({ type: 'hashing', encoder: { image: { reference: 'registry.example/minilm:1' } } })).toHaveLength(1);
    expect(issues({ type: 'encoder', encoder: { image: { reference: 'registry.example/minilm:1' } }, dimensions: 384 })).toEqual([
      "embedding.dimensions: the encoder's model fixes the vector size: leave dimensions unset",
    ]);
    expect(issues({ type: 'encoder', encoder: { image: { reference: 'registry.example/minilm:1' } } })).toEqual([]);
  });

  it('issue 7 finding 1: the request path reaches the runtime at /mcp (higress.io/rewrite-path, not only the SSE prefix)', () => {
    const r = renderRagPipeline(SCENARIOS.minimal!);
    expect(r.ingress.metadata.annotations?.['higress.io/rewrite-path']).toBe('/mcp');
    expect(r.ingress.spec.rules[0]!.http.paths[0]!.path).toBe(r.gatewayPath);
  });

  it('exposes the MCP endpoint as a console DIRECT_ROUTE MCP server the console lists', () => {
    const r = renderRagPipeline(SCENARIOS.minimal!);
    const n = consoleName(['team-a', 'docs']);
    expect(r.ingress.metadata.name).toBe(`mcp-server-${n}.internal`);
    expect(r.ingress.metadata.namespace).toBe('higress-system');
    expect(r.ingress.metadata.labels).toMatchObject({
      'higress.io/biz-type': 'mcp-server',
      'higress.io/mcp-server-type': 'DIRECT_ROUTE',
      'higress.io/resource-definer': 'higress',
    });
    expect(r.ingress.metadata.annotations).toMatchObject({
      'higress.io/mcp-server': 'true',
      'higress.io/mcp-server-match-rule-type': 'prefix',
      'higress.io/mcp-server-match-rule-value': `/mcp-servers/${n}`,
      'higress.io/mcp-server-upstream-transport-type': 'streamable',
      'higress.io/mcp-server-upstream-type': 'streamable',
      'higress.io/destination': 'docs-rag.team-a.svc.cluster.local:8080',
    });
    expect(r.ingress.metadata).not.toHaveProperty('ownerReferences');
    expect(r.deployment.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'RagPipeline', name: 'docs', controller: true });
  });
});

describe('runtimeReadiness', () => {
  it('is Progressing, not Ready, while no deployment controller has observed the Deployment', () => {
    expect(runtimeReadiness(1, undefined).ready.reason).toBe('DeploymentMissing');
    const r = runtimeReadiness(1, { generation: 1 });
    expect(r.ready).toMatchObject({ status: 'False', reason: 'RolloutNotObserved' });
    expect(r.progressing.status).toBe('True');
    expect(r.replicas).toBe('0/1');
  });

  it('follows rollout fields to Available', () => {
    expect(runtimeReadiness(2, { generation: 2, observedGeneration: 2, updatedReplicas: 1, availableReplicas: 2 }).ready.reason).toBe('RollingOut');
    expect(runtimeReadiness(2, { generation: 2, observedGeneration: 2, updatedReplicas: 2, availableReplicas: 1 }).ready.message).toBe(
      '1/2 replicas available',
    );
    const ok = runtimeReadiness(2, { generation: 2, observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2 });
    expect(ok.ready).toMatchObject({ status: 'True', reason: 'Available' });
    expect(ok.progressing).toMatchObject({ status: 'False', reason: 'RolloutComplete' });
    expect(runtimeReadiness(0, { generation: 1, observedGeneration: 1 }).ready.reason).toBe('ScaledToZero');
  });
});

describe('RagPipeline spec validation (in-process mirror of the CEL rules)', () => {
  const issues = (spec: unknown) => {
    const r = ragPipelineSchema.safeParse({ apiVersion: 'ai.higress.io/v1alpha1', kind: 'RagPipeline', metadata: { name: 'x' }, spec });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it.each([
    [{ store: { type: 'milvus', milvus: { address: 'm:19530' } } }, 'spec.store.milvus.secretRef: store type milvus requires milvus.secretRef'],
    [{ store: { type: 'milvus' } }, 'spec.store.milvus: store type milvus requires milvus.address'],
    [{ sources: [{ name: 'a', type: 'pvc' }] }, 'spec.sources.0.pvc: pvc source requires pvc.claimName'],
    [{ embedding: { type: 'model', dimensions: 8 } }, 'spec.embedding.model: embedding type model requires model (pool and model name)'],
    [{ replicas: 2 }, 'spec.replicas: replicas > 1 requires store type milvus (the embedded store is single-writer)'],
    [{ stages: { crag: { upper: 0.3, lower: 0.5 } } }, 'spec.stages.crag.lower: crag.lower must not exceed crag.upper'],
  ])('%j → %s', (spec, message) => {
    expect(issues(spec)).toContain(message);
  });
});
