import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ReasonError } from '../util/errors.js';
import { cacheRuntimeSchema } from '../cache/runtime-config.js';

// The router's one configuration document. The operator renders a SemanticRouter into this (as a
// ConfigMap); `npm run router -- --config FILE` reads it. Versioned so a newer router can refuse or migrate
// an older document instead of misreading it. Secrets are never inline: only names of env variables.

export const ROUTER_CONFIG_VERSION = 'router.higress-ai.io/v1alpha1';
/** Default admin port (`admin.port`). */
export const ROUTER_ADMIN_PORT = 8081;

export const candidateModelSchema = z.object({
  name: z.string().min(1),
  pricePer1MInput: z.number().nonnegative(),
  pricePer1MOutput: z.number().nonnegative(),
  contextWindow: z.number().int().positive().optional(),
  capabilities: z.array(z.string()).optional(),
});

const upstreamSchema = z.object({
  /** OpenAI-compatible base URL including `/v1` (the Higress gateway in a cluster, the simulator in tests). */
  baseUrl: z.string().url(),
  /** Name of an env variable whose value is sent as `Authorization: Bearer …` upstream. */
  apiKeyEnv: z.string().optional(),
  /** Give up on a model (and fall back) when no response byte arrives within this time. */
  firstByteTimeoutMs: z.number().int().positive().default(30_000),
  /** Upper bound on one whole upstream exchange after the first byte. */
  totalTimeoutMs: z.number().int().positive().default(600_000),
  maxSockets: z.number().int().positive().default(1024),
  /** Extra attempts down `decision.ranked` after the chosen model failed before its first byte. */
  maxFallbacks: z.number().int().nonnegative().default(2),
});

const policySchema = z.object({
  /** USD-per-quality-point trade-off: utility = expectedQuality − λ·expectedCost (scaled by the decision core). */
  lambda: z.number().nonnegative().default(0),
  /** Alternative knob: cheapest model whose expected quality reaches this. */
  qualityThreshold: z.number().min(0).max(1).optional(),
  /** Model names that mean "let the router choose". Any other name of the pool is passed through as pinned. */
  aliases: z.array(z.string().min(1)).default(['auto']),
  /** The reference model: flywheel shadow target and the cost/quality comparison in /status. */
  baselineModel: z.string().min(1),
});

const evaluatorSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('evaluate'),
    /** Base URL of a service with `POST /v1/evaluate` ({question, answer} → {score}); default: upstream origin. */
    url: z.string().url().optional(),
    timeoutMs: z.number().int().positive().default(30_000),
  }),
  z.object({
    kind: z.literal('llm-judge'),
    /** A model of the pool that grades answers. */
    model: z.string().min(1),
    timeoutMs: z.number().int().positive().default(60_000),
  }),
  z.object({ kind: z.literal('none') }),
]);

const flywheelSchema = z.object({
  mode: z.enum(['off', 'data-generation']).default('off'),
  /** Fraction of user requests that also go to the baseline (and fan-out models). */
  sampleRate: z.number().min(0).max(1).default(0.1),
  /** Additional shadow models beyond the baseline: a number picks that many others, 'all' the whole pool. */
  fanOut: z.union([z.number().int().nonnegative(), z.literal('all')]).default(0),
  /** Bounded shadow queue; jobs beyond it are dropped and counted. */
  queueSize: z.number().int().positive().default(1000),
  concurrency: z.number().int().positive().default(4),
  /** Sampled user answers are captured up to this many bytes (larger ones are not recorded). */
  maxCaptureBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  evaluator: evaluatorSchema.default({ kind: 'evaluate', timeoutMs: 30_000 }),
  /** Also sample requests that name a pool model (not only aliases): their answers train the router too. */
  sampleNamedModels: z.boolean().default(true),
});

const storeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sqlite'), path: z.string().min(1).default('/var/lib/router/flywheel.db') }),
  z.object({
    kind: z.literal('postgres'),
    /** Env variable holding the connection string (it may carry a password). */
    connectionStringEnv: z.string().min(1).default('ROUTER_PG_URL'),
    table: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default('flywheel_records'),
    poolSize: z.number().int().positive().default(4),
  }),
  z.object({ kind: z.literal('memory') }),
]);

const trainerSchema = z.object({
  enabled: z.boolean().default(false),
  /** Retrain after this many records arrived since the last attempt. */
  minNewRecords: z.number().int().positive().default(500),
  holdoutFraction: z.number().gt(0).lt(1).default(0.2),
  checkIntervalMs: z.number().int().positive().default(30_000),
  /** Directory of serialized router model versions (promotions and rollbacks). */
  modelDir: z.string().min(1).default('/var/lib/router/models'),
  /** Mean holdout utility a candidate must gain over the serving model to be promoted. */
  promotionMargin: z.number().min(0).max(1).default(0.005),
  /**
   * Serve this version from `modelDir` and pause training, promotions and rollbacks (an operator's manual
   * rollback, or holding a known-good model). Removing it resumes from the last promoted version.
   */
  pinnedVersion: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/)
    .optional(),
  /**
   * After a promotion the new model is on probation: on the records it routed itself (never trained on),
   * the previous model is replayed; when the previous one beats it by `margin` mean utility, significantly
   * (the promotion gate's paired test, src/router/training/compare.ts), the previous model serves again.
   */
  rollback: z
    .object({
      enabled: z.boolean().default(true),
      margin: z.number().min(0).max(1).default(0.02),
      /** Paired online records needed before the probation can decide. */
      minRecords: z.number().int().positive().default(30),
    })
    .default({ enabled: true, margin: 0.02, minRecords: 30 }),
});

const budgetSchema = z.object({
  /** USD allowed per window; projected overspend moves λ towards cheaper models (src/router/budget/governor.ts). */
  limitUsd: z.number().positive(),
  window: z.enum(['hour', 'day', 'month']).default('day'),
});

const embeddingSchema = z.discriminatedUnion('backend', [
  z.object({ backend: z.literal('hashed-tfidf') }),
  z.object({
    backend: z.literal('openai'),
    model: z.string().min(1),
    /** Default: the upstream base URL. */
    baseUrl: z.string().url().optional(),
  }),
]);

export const routerConfigSchema = z.object({
  apiVersion: z.literal(ROUTER_CONFIG_VERSION),
  /** The OpenAI API (chat completions, models): the only port the gateway reaches. */
  listen: z.object({ host: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65535).default(8080) }).default({ host: '0.0.0.0', port: 8080 }),
  /**
   * /status, /metrics, /healthz, /readyz and the cache admin API (invalidation): for probes, the operator and
   * Prometheus, never published through the gateway (anyone sending model `auto` could flush the cache). 0 =
   * an ephemeral port, as for `listen`.
   */
  admin: z
    .object({ host: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65535).default(ROUTER_ADMIN_PORT) })
    .default({ host: '0.0.0.0', port: ROUTER_ADMIN_PORT }),
  upstream: upstreamSchema,
  models: z.array(candidateModelSchema).min(1),
  policy: policySchema,
  flywheel: flywheelSchema.default(flywheelSchema.parse({})),
  store: storeSchema.default({ kind: 'sqlite', path: '/var/lib/router/flywheel.db' }),
  trainer: trainerSchema.default(trainerSchema.parse({})),
  embedding: embeddingSchema.default({ backend: 'hashed-tfidf' }),
  /** Spend limit per window; absent = no budget. */
  budget: budgetSchema.optional(),
  /** Semantic cache in front of routing (src/cache/runtime-config.ts); absent = no cache. */
  cache: cacheRuntimeSchema.optional(),
  /** A serialized RouterModel to start from; absent = the decision core's cold-start model. */
  initialModelPath: z.string().optional(),
  /** Largest accepted request body. */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024),
});

export type RouterConfig = z.infer<typeof routerConfigSchema>;
export type RouterConfigInput = z.input<typeof routerConfigSchema>;

export class RouterConfigError extends ReasonError<'InvalidRouterConfig'> {
  constructor(message: string) {
    super('InvalidRouterConfig', message);
  }
}

/** Validates a config document, plus the cross-field rules zod cannot see. */
export function parseRouterConfig(input: unknown): RouterConfig {
  const parsed = routerConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new RouterConfigError(issues);
  }
  const config = parsed.data;
  if (config.admin.port !== 0 && config.admin.port === config.listen.port) {
    throw new RouterConfigError(`admin.port: ${config.admin.port} is also listen.port; the admin API needs a port of its own`);
  }
  const names = new Set(config.models.map((m) => m.name));
  if (names.size !== config.models.length) throw new RouterConfigError('models: duplicate model names');
  if (!names.has(config.policy.baselineModel)) {
    throw new RouterConfigError(`policy.baselineModel: '${config.policy.baselineModel}' is not one of models[].name`);
  }
  for (const alias of config.policy.aliases) {
    if (names.has(alias)) throw new RouterConfigError(`policy.aliases: '${alias}' is also a model name`);
  }
  if (config.flywheel.evaluator.kind === 'llm-judge' && !names.has(config.flywheel.evaluator.model)) {
    throw new RouterConfigError(`flywheel.evaluator.model: '${config.flywheel.evaluator.model}' is not one of models[].name`);
  }
  return config;
}

/** Reads a YAML or JSON config file. */
export function loadRouterConfigFile(path: string): RouterConfig {
  return parseRouterConfig(parseYaml(readFileSync(path, 'utf8')) as unknown);
}
