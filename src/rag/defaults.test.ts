import { describe, expect, it } from '@jest/globals';
import { ragPipelineSpecSchema } from '../api/v1alpha1/ragpipeline.js';
import { renderRagConfig } from '../reconcilers/ragpipeline.js';
import { defaultRagConfig, RAG_DEFAULTS } from './config.js';

// Defaults are written once (RAG_DEFAULTS): the RagPipeline CRD schema, the reconciler and the runtime must
// agree whether a user leaves a block out, writes it empty, or the API server fills it in.

const render = (spec: unknown) => renderRagConfig(ragPipelineSpecSchema.parse(spec));

describe('one home for the RAG defaults', () => {
  it('renders the runtime defaults for an empty spec and for empty stage blocks alike', () => {
    const runtime = defaultRagConfig().stages;
    const empty = render({}).stages;
    const blocks = render({ chunking: {}, stages: { rewrite: {}, retrieve: {}, rerank: {}, crag: {}, compress: {} } });
    for (const stages of [empty, blocks.stages]) {
      expect({ ...stages, rewrite: { ...stages.rewrite, variant: 'auto' } }).toEqual(runtime);
    }
    expect(blocks.chunking.maxChars).toBe(RAG_DEFAULTS.chunkMaxChars);
    expect(render({}).chunking.maxChars).toBe(RAG_DEFAULTS.chunkMaxChars);
    expect(render({}).topK).toBe(RAG_DEFAULTS.topK);
  });

  it('CRD defaults are the runtime defaults', () => {
    const spec = ragPipelineSpecSchema.parse({ chunking: {}, stages: { crag: {}, compress: {} } });
    expect(spec.chunking?.maxChars).toBe(1200);
    expect(spec.stages?.crag).toMatchObject({ upper: RAG_DEFAULTS.cragUpper, lower: 0.45 });
    expect(spec.stages?.compress?.minSentenceScore).toBe(0.2);
  });
});
