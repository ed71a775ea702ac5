import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { expectGolden } from '../../test/support/golden.js';
import { ragPipelineSchema } from '../api/v1alpha1/ragpipeline.js';
import { renderRagPipeline } from './ragpipeline.js';
import { ragPipelineStatus, ragRuntimeReadiness, type RagStatusInput } from './ragpipeline-status.js';

const GOLDEN_DIR = join(import.meta.dirname ?? process.cwd(), '__golden__');
const render = renderRagPipeline(
  ragPipelineSchema.parse({ apiVersion: 'ai.higress.io/v1alpha1', kind: 'RagPipeline', metadata: { namespace: 'team-a', name: 'docs', uid: 'u1' }, spec: {} }),
);
const available = { generation: 1, observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 };
const base: RagStatusInput = { render, readiness: ragRuntimeReadiness(1, available), endpoint: render.endpoint, exposed: true, now: '2026-11-30T00:00:00Z' };

const CASES: Record<string, RagStatusInput> = {
  probed: { ...base, probe: { stats: { tools: ['answer', 'search'], chunks: 42, documents: 7 } }, previousChunks: 40 },
  unreachable: { ...base, probe: { stats: undefined } },
  'encoder-missing': {
    ...base,
    probe: {
      stats: {
        tools: ['answer', 'search'],
        chunks: 42,
        embedder: 'hashing',
        degraded: { reason: 'EmbeddingModelMissing', message: 'embedding model file /var/lib/rag-encoder/minilm/model.onnx does not exist' },
      },
    },
  },
  'name-held': { ...base, heldBy: 'an object we do not own', exposed: true },
  'model-ref-missing': { ...base, refError: { reason: 'ModelPoolNotFound', message: 'llm: ModelPool team-a/x not found' }, exposed: false },
  'local-not-running': { ...base, readiness: ragRuntimeReadiness(1, undefined, { endpoint: undefined }) },
};

describe('ragPipelineStatus', () => {
  it.each(Object.keys(CASES))('%s', (name) => {
    const { parts, conditions } = ragPipelineStatus(CASES[name]!);
    expectGolden(GOLDEN_DIR, `status-ragpipeline-${name}`, stringify({ parts, conditions }, { lineWidth: 0 }));
  });

  it('a runtime that does not answer is not Ready, whatever the Deployment says', () => {
    expect(ragPipelineStatus(CASES.unreachable!).conditions[0]).toMatchObject({ status: 'False', reason: 'RuntimeUnreachable' });
  });

  it('a held Ingress name is an error on the object and on Exposed, never overwritten', () => {
    const { parts, conditions } = ragPipelineStatus(CASES['name-held']!);
    expect(conditions.find((c) => c.type === 'Exposed')).toMatchObject({ status: 'False', reason: 'NameConflict' });
    expect(parts.generatedObjects?.find((g) => g.kind === 'Ingress')?.error).toContain('an object we do not own');
  });

  it('says which embedder serves, and names spec.embedding.encoder when its files are missing (the runtime serves on hashing)', () => {
    const { parts, conditions } = ragPipelineStatus(CASES['encoder-missing']!);
    expect(parts.embedder).toBe('hashing');
    expect(conditions.find((c) => c.type === 'Embedding')).toMatchObject({
      status: 'False',
      reason: 'EmbeddingModelMissing',
      message: expect.stringMatching(/^spec\.embedding\.encoder: embedding model file .* does not exist; serving with hashing/),
    });
    expect(conditions[0]).toMatchObject({ type: 'Ready', status: 'True' });
    const fine = ragPipelineStatus({ ...base, probe: { stats: { tools: ['search'], embedder: 'onnx:20a8733fdbd3' } } });
    expect(fine.conditions.find((c) => c.type === 'Embedding')).toMatchObject({ status: 'True', message: 'vectors from onnx:20a8733fdbd3' });
    // A runtime too old to say: no condition rather than a guess.
    expect(ragPipelineStatus(CASES.probed!).conditions.find((c) => c.type === 'Embedding')).toBeUndefined();
  });
});
