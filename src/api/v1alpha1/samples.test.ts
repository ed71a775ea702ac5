import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { modelPoolSchema } from './modelpool.js';
import { ragPipelineSchema } from './ragpipeline.js';
import { semanticRouterSchema } from './semanticrouter.js';

// The samples are what a newcomer applies first (and what `make demo` applies): they must stay valid.
const SAMPLES_DIR = join(import.meta.dirname, '../../../config/samples');

const docs = readdirSync(SAMPLES_DIR)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((file) => parseAllDocuments(readFileSync(join(SAMPLES_DIR, file), 'utf8')).map((d) => ({ file, obj: d.toJS() as { kind?: string } })));

describe('config/samples', () => {
  it('contains ModelPools', () => {
    expect(docs.filter((d) => d.obj.kind === 'ModelPool').length).toBeGreaterThanOrEqual(3);
  });

  it.each(docs.filter((d) => d.obj.kind === 'ModelPool').map((d) => [d.file, d.obj]))('%s is a valid ModelPool', (_file, obj) => {
    const parsed = modelPoolSchema.safeParse(obj);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it('contains a RagPipeline', () => {
    expect(docs.filter((d) => d.obj.kind === 'RagPipeline').length).toBeGreaterThanOrEqual(1);
  });

  it.each(docs.filter((d) => d.obj.kind === 'RagPipeline').map((d) => [d.file, d.obj]))('%s is a valid RagPipeline', (_file, obj) => {
    const parsed = ragPipelineSchema.safeParse(obj);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it.each(docs.filter((d) => d.obj.kind === 'SemanticRouter').map((d) => [d.file, d.obj]))('%s is a valid SemanticRouter', (_file, obj) => {
    const parsed = semanticRouterSchema.safeParse(obj);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });
});
