/**
 * Invalid SemanticRouters and the field-precise error each must produce — ONE table used twice: by
 * semanticrouter-validation.test.ts against the real API server (CRD schema + CEL), and by
 * src/api/v1alpha1/semanticrouter.validation.test.ts against the zod schema. Same conventions as
 * modelpool-validation.cases.ts: `path`/`message` are what the API server reports; `zodPath`/`zodMessage`
 * override where zod's wording of a built-in check differs (CEL-mirrored rules share one message).
 */

import type { InvalidCase } from '../support/validation-table.js';

export type InvalidRouterCase = InvalidCase;

type Spec = Record<string, unknown>;

const base: Spec = { poolRef: { name: 'chat' }, baselineModel: 'gpt-4o' };

function router(spec: Spec, name = 'invalid'): Record<string, unknown> {
  return { apiVersion: 'ai.higress.io/v1alpha1', kind: 'SemanticRouter', metadata: { name }, spec };
}
const withSpec = (patch: Spec) => router({ ...base, ...patch });

/** A valid router every case departs from (the tests also check that this one is accepted). */
export const VALID_ROUTER = router(base, 'valid');

export const INVALID_ROUTERS: InvalidRouterCase[] = [
  { name: 'no poolRef', object: router({ baselineModel: 'gpt-4o' }), path: 'spec.poolRef', message: 'Required value', zodMessage: 'Invalid input' },
  {
    name: 'no baselineModel',
    object: router({ poolRef: { name: 'chat' } }),
    path: 'spec.baselineModel',
    message: 'Required value',
    zodMessage: 'Invalid input',
  },
  {
    name: 'poolRef name not a DNS name',
    object: withSpec({ poolRef: { name: 'Chat_Pool' } }),
    path: 'spec.poolRef.name',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'baseline model with a space',
    object: withSpec({ baselineModel: 'gpt 4o' }),
    path: 'spec.baselineModel',
    message: 'should match',
    zodMessage: 'Invalid string',
  },
  {
    name: 'empty virtualModels',
    object: withSpec({ virtualModels: [] }),
    path: 'spec.virtualModels',
    message: 'should have at least 1 items',
    zodMessage: 'Too small',
  },
  {
    name: 'duplicate virtual model',
    object: withSpec({ virtualModels: ['auto', 'auto'] }),
    path: 'spec.virtualModels[1]',
    message: 'Duplicate value: "auto"',
  },
  {
    name: 'virtual model equals the baseline',
    object: withSpec({ virtualModels: ['gpt-4o'] }),
    path: 'spec.virtualModels',
    message: 'virtualModels must differ from baselineModel',
  },
  {
    name: 'virtual model equals a candidate',
    object: withSpec({ virtualModels: ['cheap'], candidates: ['gpt-4o', 'cheap'] }),
    path: 'spec.virtualModels',
    message: 'virtualModels must differ from every candidate name',
  },
  {
    name: 'baseline not among candidates',
    object: withSpec({ candidates: ['cheap', 'mid'] }),
    path: 'spec.baselineModel',
    message: 'baselineModel must be one of candidates',
  },
  { name: 'empty candidates', object: withSpec({ candidates: [] }), path: 'spec.candidates', message: 'should have at least 1 items', zodMessage: 'Too small' },
  {
    name: 'unknown objective preset',
    object: withSpec({ objective: { preset: 'cheap' } }),
    path: 'spec.objective.preset',
    message: 'Unsupported value: "cheap"',
    zodMessage: 'Invalid option',
  },
  {
    name: 'negative lambda',
    object: withSpec({ objective: { lambda: -1 } }),
    path: 'spec.objective.lambda',
    message: 'should be greater than or equal to 0',
    zodMessage: 'Too small',
  },
  {
    name: 'lambda and minQuality together',
    object: withSpec({ objective: { lambda: 5, minQuality: 0.7 } }),
    path: 'spec.objective.minQuality',
    message: 'objective: set lambda or minQuality, not both',
  },
  {
    name: 'minQuality above 1',
    object: withSpec({ objective: { minQuality: 1.5 } }),
    path: 'spec.objective.minQuality',
    message: 'should be less than or equal to 1',
    zodMessage: 'Too big',
  },
  {
    name: 'sample rate above 1',
    object: withSpec({ flywheel: { sampleRate: 1.5 } }),
    path: 'spec.flywheel.sampleRate',
    message: 'should be less than or equal to 1',
    zodMessage: 'Too big',
  },
  {
    name: 'negative sample rate',
    object: withSpec({ flywheel: { sampleRate: -0.1 } }),
    path: 'spec.flywheel.sampleRate',
    message: 'should be greater than or equal to 0',
    zodMessage: 'Too small',
  },
  {
    name: 'unknown flywheel mode',
    object: withSpec({ flywheel: { mode: 'shadow' } }),
    path: 'spec.flywheel.mode',
    message: 'Unsupported value: "shadow"',
    zodMessage: 'Invalid option',
  },
  {
    name: 'sampleNamedModels not a boolean',
    object: withSpec({ flywheel: { sampleNamedModels: 'yes' } }),
    path: 'spec.flywheel.sampleNamedModels',
    message: 'must be of type boolean',
    zodMessage: 'expected boolean',
  },
  {
    name: 'fanOut and fanOutAll together',
    object: withSpec({ flywheel: { fanOut: 2, fanOutAll: true } }),
    path: 'spec.flywheel.fanOutAll',
    message: 'flywheel: set fanOut or fanOutAll, not both',
  },
  {
    name: 'llm-judge without model',
    object: withSpec({ flywheel: { evaluator: { type: 'llm-judge' } } }),
    path: 'spec.flywheel.evaluator.model',
    message: 'evaluator type llm-judge requires model',
  },
  {
    name: 'evaluator url with llm-judge',
    object: withSpec({ flywheel: { evaluator: { type: 'llm-judge', model: 'gpt-4o', url: 'http://eval:8080' } } }),
    path: 'spec.flywheel.evaluator.url',
    message: 'evaluator url is only used with type evaluate',
  },
  {
    name: 'judge not among candidates',
    object: withSpec({ candidates: ['gpt-4o', 'cheap'], flywheel: { evaluator: { type: 'llm-judge', model: 'judge' } } }),
    path: 'spec.flywheel.evaluator.model',
    message: 'flywheel.evaluator.model must be one of candidates',
  },
  {
    name: 'postgres store without secretRef',
    object: withSpec({ flywheel: { store: { type: 'postgres' } } }),
    path: 'spec.flywheel.store.postgres',
    message: 'store type postgres requires postgres.secretRef',
  },
  {
    name: 'two replicas on SQLite',
    object: withSpec({ replicas: 2 }),
    path: 'spec.replicas',
    message: 'replicas > 1 requires flywheel.store.type postgres',
  },
  {
    name: 'holdout fraction of 1',
    object: withSpec({ trainer: { holdoutFraction: 1 } }),
    path: 'spec.trainer.holdoutFraction',
    message: 'should be less than 1',
    zodMessage: 'Too big',
  },
  {
    name: 'minNewRecords below 10',
    object: withSpec({ trainer: { minNewRecords: 5 } }),
    path: 'spec.trainer.minNewRecords',
    message: 'should be greater than or equal to 10',
    zodMessage: 'Too small',
  },
  {
    name: 'zero budget',
    object: withSpec({ budget: { limitUsd: 0 } }),
    path: 'spec.budget.limitUsd',
    message: 'should be greater than 0',
    zodMessage: 'Too small',
  },
  {
    name: 'unknown budget window',
    object: withSpec({ budget: { limitUsd: 5, window: 'week' } }),
    path: 'spec.budget.window',
    message: 'Unsupported value: "week"',
    zodMessage: 'Invalid option',
  },
  {
    name: 'rollback margin above 1',
    object: withSpec({ trainer: { rollback: { margin: 2 } } }),
    path: 'spec.trainer.rollback.margin',
    message: 'should be less than or equal to 1',
    zodMessage: 'Too big',
  },
  {
    name: 'rollback deciding on fewer than 10 records',
    object: withSpec({ trainer: { rollback: { minRecords: 3 } } }),
    path: 'spec.trainer.rollback.minRecords',
    message: 'should be greater than or equal to 10',
    zodMessage: 'Too small',
  },
  {
    name: 'cache delta of 0',
    object: withSpec({ cache: { delta: 0 } }),
    path: 'spec.cache.delta',
    message: 'should be greater than 0',
    zodMessage: 'Too small',
  },
  {
    name: 'cache vector without embedding',
    object: withSpec({ cache: { vector: { type: 'qdrant', service: 'qdrant.dns', collection: 'c', threshold: 0.9, thresholdRelation: 'gte' } } }),
    path: 'spec.cache.embedding',
    message: 'vector needs embedding',
  },
  {
    name: 'cache encoder with a claim and an image',
    object: withSpec({ cache: { encoder: { persistentVolumeClaim: { claimName: 'minilm' }, image: { reference: 'registry.example/minilm:1' } } } }),
    path: 'spec.cache.encoder',
    message: 'set exactly one of persistentVolumeClaim and image',
  },
  {
    name: 'cache encoder path leaving the volume',
    object: withSpec({ cache: { encoder: { persistentVolumeClaim: { claimName: 'minilm' }, path: 'models/../../etc' } } }),
    path: 'spec.cache.encoder.path',
    message: 'must stay inside the volume: no ".." segment',
  },
  {
    name: 'cache encoder beside an embedding service',
    object: withSpec({
      cache: { encoder: { image: { reference: 'registry.example/minilm:1' } }, embedding: { type: 'openai', service: 'emb.dns', model: 'm' } },
    }),
    path: 'spec.cache.encoder',
    message: 'encoder (the router embeds in process) and embedding (an embeddings service) are two sources of question embeddings: set one',
  },
  {
    name: 'status poll of 0 s',
    object: withSpec({ statusPollSeconds: 0 }),
    path: 'spec.statusPollSeconds',
    message: 'should be greater than or equal to 1',
    zodMessage: 'Too small',
  },
];
