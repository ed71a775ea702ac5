/**
 * Invalid ModelPools and the field-precise error each must produce — ONE table used twice:
 * by modelpool-validation.test.ts against the real API server (CRD schema + CEL), and by
 * src/api/v1alpha1/modelpool.validation.test.ts against the zod schema.
 *
 * `path`/`message` are what the API server reports (a `details.causes[]` entry: `field` equals `path`,
 * `message` contains `message`). zod reports the same path with its own wording for built-in checks, so
 * `zodPath`/`zodMessage` override when they differ; CEL-mirrored rules share one message.
 */

import type { InvalidCase } from '../support/validation-table.js';

export type InvalidPoolCase = InvalidCase;

type Spec = Record<string, unknown>;

const okModel = { name: 'gpt-4o', provider: { type: 'openai', credentials: { secretRef: { name: 'openai', key: 'apiKey' } } } };

function pool(spec: Spec, name = 'invalid'): Record<string, unknown> {
  return { apiVersion: 'ai.higress.io/v1alpha1', kind: 'ModelPool', metadata: { name }, spec };
}
const withModel = (patch: Record<string, unknown>, extra: Spec = {}) => pool({ models: [{ ...okModel, ...patch }], ...extra });
const withProvider = (provider: Record<string, unknown>) => pool({ models: [{ name: 'm', provider }] });

/** A valid pool every case departs from (the tests also check that this one is accepted). */
export const VALID_POOL = pool({ models: [okModel] }, 'valid');

export const INVALID_POOLS: InvalidPoolCase[] = [
  { name: 'no models', object: pool({ models: [] }), path: 'spec.models', message: 'should have at least 1 items', zodMessage: 'Too small' },
  {
    name: 'duplicate model names',
    object: pool({ models: [okModel, { ...okModel, upstreamModel: 'other' }] }),
    path: 'spec.models',
    message: 'model names must be unique within the pool',
  },
  {
    name: 'unknown provider type',
    object: withModel({ provider: { type: 'foo', credentials: okModel.provider.credentials } }),
    path: 'spec.models[0].provider.type',
    message: 'Unsupported value: "foo"',
    zodMessage: 'Invalid option',
  },
  {
    name: 'openai-compatible without endpoint',
    object: withProvider({ type: 'openai-compatible' }),
    path: 'spec.models[0].provider.endpoint',
    message: 'endpoint is required for provider types',
  },
  {
    name: 'vllm without endpoint (second model)',
    object: pool({ models: [okModel, { name: 'llama', provider: { type: 'vllm' } }] }),
    path: 'spec.models[1].provider.endpoint',
    message: 'endpoint is required for provider types',
  },
  {
    name: 'ollama without endpoint',
    object: withProvider({ type: 'ollama' }),
    path: 'spec.models[0].provider.endpoint',
    message: 'endpoint is required for provider types',
  },
  {
    name: 'azure endpoint without api-version',
    object: withProvider({
      type: 'azure',
      endpoint: 'https://acme.openai.azure.com/openai/deployments/gpt4o/chat/completions',
      credentials: { secretRef: { name: 'azure', key: 'key' } },
    }),
    path: 'spec.models[0].provider.endpoint',
    message: 'azure endpoint must carry the api-version query parameter',
  },
  {
    name: 'endpoint with a non-http scheme',
    object: withProvider({ type: 'openai-compatible', endpoint: 'ftp://llm.example.com/v1' }),
    path: 'spec.models[0].provider.endpoint',
    message: 'should match',
    zodMessage: 'pattern',
  },
  {
    name: 'vendor type without credentials',
    object: withProvider({ type: 'qwen' }),
    path: 'spec.models[0].provider.credentials',
    message: 'credentials are required for this provider type',
  },
  {
    name: 'Secret name not DNS-safe',
    object: withModel({ provider: { type: 'openai', credentials: { secretRef: { name: 'My_Secret', key: 'apiKey' } } } }),
    path: 'spec.models[0].provider.credentials.secretRef.name',
    message: 'should match',
    zodMessage: 'pattern',
  },
  {
    name: 'secretRef without key',
    object: withModel({ provider: { type: 'openai', credentials: { secretRef: { name: 'openai' } } } }),
    path: 'spec.models[0].provider.credentials.secretRef.key',
    message: 'Required value',
    zodMessage: 'expected string',
  },
  {
    name: 'weight above 100',
    object: withModel({ weight: 101 }),
    path: 'spec.models[0].weight',
    message: 'should be less than or equal to 100',
    zodMessage: '<=100',
  },
  {
    name: 'negative weight',
    object: withModel({ weight: -1 }),
    path: 'spec.models[0].weight',
    message: 'should be greater than or equal to 0',
    zodMessage: '>=0',
  },
  {
    name: 'negative input price',
    object: withModel({ pricing: { inputPerMillionTokens: -0.5, outputPerMillionTokens: 1 } }),
    path: 'spec.models[0].pricing.inputPerMillionTokens',
    message: 'should be greater than or equal to 0',
    zodMessage: '>=0',
  },
  {
    name: 'negative output price',
    object: withModel({ pricing: { inputPerMillionTokens: 1, outputPerMillionTokens: -2 } }),
    path: 'spec.models[0].pricing.outputPerMillionTokens',
    message: 'should be greater than or equal to 0',
    zodMessage: '>=0',
  },
  {
    name: 'zero context window',
    object: withModel({ contextWindow: 0 }),
    path: 'spec.models[0].contextWindow',
    message: 'should be greater than or equal to 1',
    zodMessage: '>=1',
  },
  { name: 'model name with a space', object: withModel({ name: 'gpt 4o' }), path: 'spec.models[0].name', message: 'should match', zodMessage: 'pattern' },
  {
    name: 'empty upstream model',
    object: withModel({ upstreamModel: '' }),
    path: 'spec.models[0].upstreamModel',
    message: 'should be at least 1 chars long',
    zodMessage: 'Too small',
  },
  {
    name: 'fallback names an unknown model',
    object: pool({ models: [okModel, { ...okModel, name: 'qwen-max' }], fallback: ['gpt-4o', 'claude'] }),
    path: 'spec.fallback',
    message: 'fallback entries must name models of this pool',
  },
  {
    name: 'fallback lists a model twice',
    object: pool({ models: [okModel, { ...okModel, name: 'qwen-max' }], fallback: ['gpt-4o', 'gpt-4o'] }),
    path: 'spec.fallback[1]',
    message: 'Duplicate value: "gpt-4o"',
  },
  {
    name: 'fallback with a single entry',
    object: pool({ models: [okModel], fallback: ['gpt-4o'] }),
    path: 'spec.fallback',
    message: 'should have at least 2 items',
    zodMessage: 'Too small',
  },
  {
    name: 'alias equal to a model name',
    object: pool({ models: [okModel], alias: 'gpt-4o' }),
    path: 'spec.alias',
    message: 'alias must differ from every model name',
  },
  {
    name: 'publish with several models, no alias and no target',
    object: pool({ models: [okModel, { ...okModel, name: 'gpt-4o-mini' }], publish: { connectionRef: { name: 'himarket' } } }),
    path: 'spec.publish.target',
    message: 'publish.target is required when the pool has several models and no alias: a HiMarket product links exactly one AI route',
  },
  {
    name: 'publish.target naming no model',
    object: pool({ models: [okModel], alias: 'chat', publish: { connectionRef: { name: 'himarket' }, target: 'claude' } }),
    path: 'spec.publish.target',
    message: 'publish.target must name a model of this pool or its alias',
  },
  {
    name: 'publish.type MCP_SERVER on a ModelPool',
    object: pool({ models: [okModel], publish: { connectionRef: { name: 'himarket' }, type: 'MCP_SERVER' } }),
    path: 'spec.publish.type',
    message: 'a ModelPool publishes AI routes: publish.type must be MODEL_API',
  },
  {
    name: 'alias but every weight is 0',
    object: pool({ models: [{ ...okModel, weight: 0 }], alias: 'chat' }),
    path: 'spec.alias',
    message: 'alias needs at least one model with weight > 0',
  },
  {
    name: 'cache without redis',
    object: pool({ models: [okModel], cache: { semantic: false } }),
    path: 'spec.cache.redis',
    message: 'cache.redis is required on a ModelPool',
  },
  {
    name: "cache with a SemanticRouter's verifier",
    object: pool({ models: [okModel], cache: { redis: { service: 'redis.dns' }, verifier: { configMapRef: { name: 'v', key: 'verifier.json' } } } }),
    path: 'spec.cache',
    message: "cache.encoder and cache.verifier configure a SemanticRouter's own cache",
  },
  {
    name: 'cache vector without embedding',
    object: pool({
      models: [okModel],
      cache: { redis: { service: 'redis.dns' }, vector: { type: 'qdrant', service: 'qdrant.dns', collection: 'c', threshold: 0.9, thresholdRelation: 'gte' } },
    }),
    path: 'spec.cache.embedding',
    message: 'vector needs embedding',
  },
  {
    name: 'gateway namespace not a DNS label',
    object: pool({ models: [okModel], gateway: { namespace: 'Higress_System' } }),
    path: 'spec.gateway.namespace',
    message: 'should match',
    zodMessage: 'pattern',
  },
  {
    name: 'gateway path without leading slash',
    object: pool({ models: [okModel], gateway: { path: 'v1' } }),
    path: 'spec.gateway.path',
    message: 'should match',
    zodMessage: 'pattern',
  },
  {
    name: 'host with upper-case letters',
    object: pool({ models: [okModel], gateway: { hosts: ['LLM.example.com'] } }),
    path: 'spec.gateway.hosts[0]',
    message: 'should match',
    zodMessage: 'pattern',
  },
  {
    name: 'too many hosts',
    object: pool({ models: [okModel], gateway: { hosts: Array.from({ length: 17 }, (_, i) => `h${i}.example.com`) } }),
    path: 'spec.gateway.hosts',
    message: 'must have at most 16 items',
    zodMessage: 'Too big',
  },
  {
    name: 'retry attempts above 10',
    object: pool({ models: [okModel], retries: { attempts: 11 } }),
    path: 'spec.retries.attempts',
    message: 'should be less than or equal to 10',
    zodMessage: '<=10',
  },
  {
    name: 'unknown retry condition',
    object: pool({ models: [okModel], retries: { on: ['sometimes'] } }),
    path: 'spec.retries.on[0]',
    message: 'Unsupported value: "sometimes"',
    zodMessage: 'Invalid option',
  },
  {
    name: 'zero route timeout',
    object: pool({ models: [okModel], timeoutSeconds: 0 }),
    path: 'spec.timeoutSeconds',
    message: 'should be greater than or equal to 1',
    zodMessage: '>=1',
  },
  {
    name: 'pool name longer than 63 characters',
    object: pool({ models: [okModel] }, 'p'.repeat(64)),
    path: 'metadata.name',
    message: 'ModelPool names must be at most 63 characters',
    zodMessage: 'Too big',
  },
];
