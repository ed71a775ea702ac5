import { describe, expect, it } from '@jest/globals';
import { ragPipelineSpecSchema } from '../api/v1alpha1/ragpipeline.js';
import { semanticRouterSpecSchema } from '../api/v1alpha1/semanticrouter.js';
import type { DataObject } from '../kube/object.js';
import { mountedRefError, ragMountedRefs, routerMountedRefs, type MountedRef } from './mounted-refs.js';

const obj = (data?: Record<string, string>, binaryData?: Record<string, string>): DataObject => ({
  metadata: {},
  ...(data ? { data } : {}),
  ...(binaryData ? { binaryData } : {}),
});

describe('mountedRefError', () => {
  const refs: MountedRef[] = [
    { kind: 'Secret', field: 'spec.store.milvus.secretRef', name: 'milvus', key: 'password', keyField: 'spec.store.milvus.secretRef.passwordKey' },
    { kind: 'ConfigMap', field: 'spec.sources[1].configMap', name: 'handbook', key: 'ops.md' },
    { kind: 'PersistentVolumeClaim', field: 'spec.embedding.encoder.persistentVolumeClaim.claimName', name: 'minilm' },
  ];
  const all = { milvus: obj({ password: 'c2VjcmV0' }), handbook: obj(undefined, { 'ops.md': 'AA==' }), minilm: obj() };
  const reading = (present: Partial<Record<string, DataObject>>) => (r: MountedRef) => present[r.name];

  it('names the first missing object or key by its field, in spec order, and never a value', () => {
    expect(mountedRefError(refs, reading({}), 'ai')).toEqual({
      reason: 'SecretNotFound',
      message: 'spec.store.milvus.secretRef.name: Secret ai/milvus not found',
    });
    expect(mountedRefError(refs, reading({ ...all, milvus: obj({ username: 'dXNlcg==' }) }), 'ai')).toEqual({
      reason: 'SecretKeyNotFound',
      message: 'spec.store.milvus.secretRef.passwordKey: Secret ai/milvus has no key password',
    });
    expect(mountedRefError(refs, reading({ ...all, handbook: obj({ 'other.md': 'x' }) }), 'ai')).toEqual({
      reason: 'ConfigMapKeyNotFound',
      message: 'spec.sources[1].configMap.key: ConfigMap ai/handbook has no key ops.md',
    });
    expect(mountedRefError(refs, reading({ milvus: all.milvus, handbook: all.handbook }), 'ai')).toEqual({
      reason: 'PersistentVolumeClaimNotFound',
      message: 'spec.embedding.encoder.persistentVolumeClaim.claimName: PersistentVolumeClaim ai/minilm not found',
    });
    // A key in binaryData counts; a ConfigMap named without a key needs only to exist.
    expect(mountedRefError(refs, reading(all), 'ai')).toBeUndefined();
  });
});

describe('what each workload kind mounts', () => {
  it('RagPipeline: ConfigMap and PVC sources, the eval set, the encoder claim, both Milvus keys, the ingest token', () => {
    const spec = ragPipelineSpecSchema.parse({
      sources: [
        { name: 'faq', type: 'inline', documents: [{ id: 'a', text: 'x' }] },
        { name: 'hb', type: 'configMap', configMap: { name: 'handbook' } },
        { name: 'files', type: 'pvc', pvc: { claimName: 'docs' } },
      ],
      eval: { configMap: { name: 'eval' } },
      embedding: { type: 'encoder', encoder: { persistentVolumeClaim: { claimName: 'minilm' } } },
      store: { type: 'milvus', milvus: { address: 'm:19530', secretRef: { name: 'milvus' } } },
      ingest: { enabled: true, tokenSecretRef: { name: 'ingest', key: 'token' } },
    });
    expect(ragMountedRefs(spec).map((r) => [r.kind, r.keyField ?? r.field, r.name, r.key])).toEqual([
      ['ConfigMap', 'spec.sources[1].configMap', 'handbook', undefined],
      ['PersistentVolumeClaim', 'spec.sources[2].pvc.claimName', 'docs', undefined],
      ['ConfigMap', 'spec.eval.configMap', 'eval', 'eval.json'],
      ['PersistentVolumeClaim', 'spec.embedding.encoder.persistentVolumeClaim.claimName', 'minilm', undefined],
      ['Secret', 'spec.store.milvus.secretRef.usernameKey', 'milvus', 'username'],
      ['Secret', 'spec.store.milvus.secretRef.passwordKey', 'milvus', 'password'],
      ['Secret', 'spec.ingest.tokenSecretRef', 'ingest', 'token'],
    ]);
  });

  it('SemanticRouter: Postgres, Redis password and embedding key Secrets; the encoder claim only when it embeds in process', () => {
    const base = { poolRef: { name: 'matrix' }, baselineModel: 'm' };
    const spec = semanticRouterSpecSchema.parse({
      ...base,
      flywheel: { store: { type: 'postgres', postgres: { secretRef: { name: 'pg' } } } },
      cache: {
        redis: { service: 'redis.cache.svc.cluster.local', passwordSecretRef: { name: 'redis', key: 'password' } },
        embedding: { type: 'openai', service: 'emb.svc', apiKeySecretRef: { name: 'emb', key: 'key' } },
      },
    });
    expect(routerMountedRefs(spec).map((r) => [r.kind, r.field, r.name, r.key])).toEqual([
      ['Secret', 'spec.flywheel.store.postgres.secretRef', 'pg', 'url'],
      ['Secret', 'spec.cache.redis.passwordSecretRef', 'redis', 'password'],
      ['Secret', 'spec.cache.embedding.apiKeySecretRef', 'emb', 'key'],
    ]);
    const encoder = semanticRouterSpecSchema.parse({ ...base, cache: { encoder: { persistentVolumeClaim: { claimName: 'minilm' } } } });
    expect(routerMountedRefs(encoder)).toEqual([
      { kind: 'PersistentVolumeClaim', field: 'spec.cache.encoder.persistentVolumeClaim.claimName', name: 'minilm' },
    ]);
  });
});
