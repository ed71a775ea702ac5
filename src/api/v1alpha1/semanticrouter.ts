import { z } from 'zod';
import { withCel, type CelRule } from '../crd.js';
import {
  ageColumn,
  customResourceSchema,
  defineCrd,
  generatedObjectSchema,
  maxNameRule,
  readyColumn,
  reasonColumn,
  statusSchema,
  DNS_SUBDOMAIN,
} from './common.js';
import { DEFAULT_HIGRESS_NAMESPACE } from '../../higress/namespace.js';
import { cacheSpecSchema } from './cache.js';
import { publishSpecSchema, publishStatusSchema } from './publish.js';

/**
 * SemanticRouter: the semantic router runtime (src/router/) for one ModelPool — Deployment + Service +
 * ConfigMap + PVC — exposed on the gateway under virtual model names (default `auto`) as a console AI route.
 *
 * As for ModelPool, each cross-field rule is one `{rule, message, holds}` entry (`ROUTER_RULES`) feeding both
 * CEL (admission) and zod (in-process). Rules that need the pool (baseline or candidate not in it) cannot be
 * CEL and become conditions from the reconciler. The spec is not the runtime's config document: the reconciler
 * renders `src/router/config.ts` from it.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

const objectName = (what: string) => z.string().min(1).max(253).regex(DNS_SUBDOMAIN).describe(what);
const modelName = z.string().min(1).max(128).regex(MODEL_NAME);
const quantity = z.string().min(1).max(32).regex(QUANTITY);

/** λ of each objective preset, in quality points per USD (docs/evaluation/routing.md: the measured curve). */
export const OBJECTIVE_PRESETS = { quality: 0, balanced: 7, cost: 50 } as const;
export type ObjectivePreset = keyof typeof OBJECTIVE_PRESETS;

export const objectiveSchema = withCel(
  z
    .object({
      preset: z
        .enum(['cost', 'balanced', 'quality'])
        .default('balanced')
        .describe('cost | balanced | quality: a λ from the measured cost/quality curve (0, 7, 50 quality/USD).'),
      lambda: z.number().min(0).max(1_000_000).optional().describe('Explicit cost/quality knob λ (quality points per USD); overrides preset.'),
      minQuality: z.number().min(0).max(1).optional().describe('Alternative knob: the cheapest model whose expected quality reaches this; overrides preset.'),
    })
    .describe('What the router optimises: flip strategy with one field.'),
  [{ rule: '!(has(self.lambda) && has(self.minQuality))', message: 'objective: set lambda or minQuality, not both', fieldPath: '.minQuality' }],
);

export const routerEvaluatorSchema = withCel(
  z
    .object({
      type: z.enum(['evaluate', 'llm-judge', 'none']).default('evaluate').describe('evaluate: POST /v1/evaluate; llm-judge: a model of the pool grades.'),
      url: z
        .url()
        .max(2048)
        .regex(/^https?:\/\/[^\s]+$/)
        .optional()
        .describe('Base URL of the /v1/evaluate service (type evaluate); default: the gateway origin.'),
      model: modelName.optional().describe('Judge model, a model of the pool (type llm-judge).'),
    })
    .describe('How sampled answers are scored.'),
  [
    {
      rule: "self.type != 'llm-judge' || has(self.model)",
      message: 'evaluator type llm-judge requires model',
      fieldPath: '.model',
      reason: 'FieldValueRequired',
    },
    { rule: "self.type == 'evaluate' || !has(self.url)", message: 'evaluator url is only used with type evaluate', fieldPath: '.url' },
  ],
);

export const routerStoreSchema = withCel(
  z
    .object({
      type: z.enum(['sqlite', 'postgres']).default('sqlite').describe('sqlite: on the router PVC (one replica); postgres: shared by replicas.'),
      size: quantity.default('1Gi').describe('PVC size (flywheel SQLite and model versions).'),
      storageClassName: objectName('StorageClass of the PVC; cluster default when omitted.').optional(),
      postgres: z
        .object({
          secretRef: z
            .object({
              name: objectName('Secret holding the connection string, same namespace.'),
              key: z.string().min(1).max(253).regex(SECRET_KEY).default('url'),
            })
            .describe('Connection string (postgres://…); never copied out of the Secret.'),
          table: z
            .string()
            .min(1)
            .max(63)
            .regex(/^[a-z_][a-z0-9_]*$/)
            .default('flywheel_records'),
        })
        .optional(),
    })
    .describe('Where flywheel records live. Model versions always live on the PVC.'),
  [
    {
      rule: "self.type != 'postgres' || has(self.postgres)",
      message: 'store type postgres requires postgres.secretRef',
      fieldPath: '.postgres',
      reason: 'FieldValueRequired',
    },
  ],
);

export const routerFlywheelSchema = z
  .object({
    mode: z.enum(['off', 'data-generation']).default('data-generation'),
    sampleRate: z.number().min(0).max(1).default(0.1).describe('Fraction of requests (routed or naming a model) also sent to the baseline.'),
    fanOut: z.int().min(0).max(64).default(0).describe('Extra shadow models beyond the baseline.'),
    sampleNamedModels: z
      .boolean()
      .default(false)
      .describe(
        'Also sample requests that name a candidate model (not only virtual names): the gateway then sends the ' +
          "pool's named chat requests through the router, which forwards them unchanged to the pool's own routes. " +
          "Off by default: it makes the router's availability and latency part of the pool's named traffic.",
      ),
    fanOutAll: z.boolean().optional().describe('Shadow every candidate (overrides fanOut).'),
    evaluator: routerEvaluatorSchema.default({ type: 'evaluate' }),
    store: routerStoreSchema.default({ type: 'sqlite', size: '1Gi' }),
  })
  .describe('Data flywheel: sample, shadow, score, store.');

export const routerTrainerSchema = z
  .object({
    enabled: z.boolean().default(true),
    minNewRecords: z.int().min(10).max(10_000_000).default(500).describe('Retrain after this many new records.'),
    holdoutFraction: z.number().gt(0).lt(1).default(0.2).describe('Share of records kept out of training to gate promotion.'),
    promotionMargin: z.number().min(0).max(1).default(0.005).describe('Holdout utility a candidate must gain over the serving model.'),
    rollback: z
      .object({
        enabled: z.boolean().default(true),
        margin: z
          .number()
          .min(0)
          .max(1)
          .default(0.02)
          .describe('Roll back when, on the traffic it routed itself, the promoted model trails the previous one by this mean utility (significantly).'),
        minRecords: z.int().min(10).max(1_000_000).default(30).describe('Paired online records before the probation decides.'),
      })
      .default({ enabled: true, margin: 0.02, minRecords: 30 })
      .describe('Online check of each promotion; a rollback is an Event and shows in status.lastPromotion.'),
    pinnedVersion: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/)
      .optional()
      .describe(
        'Serve this model version (status.previousVersions and the Trained condition list them) and pause training, promotions and rollbacks: a manual rollback, or holding a known-good model. Removing it resumes from the last promoted version.',
      ),
  })
  .describe('Retraining and the promotion gate.');

export const budgetSchema = z
  .object({
    limitUsd: z.number().gt(0).max(1e9).describe('Spend allowed per window, USD.'),
    window: z.enum(['hour', 'day', 'month']).default('day').describe('Calendar window (UTC) the limit applies to.'),
  })
  .describe(
    'When projected spend would pass the limit, the knob moves towards cheaper models; at the limit only the cheapest serves. One budget per window for all replicas, kept across restarts in the flywheel store.',
  );

const resourceList = z.object({ cpu: quantity.optional(), memory: quantity.optional() });

interface RouterRule extends CelRule {
  message: string;
  fieldPath: string;
  holds: (spec: SemanticRouterSpecInput) => boolean;
}

type SemanticRouterSpecInput = {
  virtualModels?: string[] | undefined;
  candidates?: string[] | undefined;
  baselineModel: string;
  replicas?: number | undefined;
  flywheel?:
    | {
        fanOut?: number | undefined;
        fanOutAll?: boolean | undefined;
        evaluator?: { type?: string | undefined; model?: string | undefined } | undefined;
        store?: { type?: string | undefined } | undefined;
      }
    | undefined;
};

const ROUTER_RULES: RouterRule[] = [
  {
    rule: '!has(self.candidates) || self.candidates.exists(c, c == self.baselineModel)',
    message: 'baselineModel must be one of candidates',
    fieldPath: '.baselineModel',
    holds: (s) => s.candidates === undefined || s.candidates.includes(s.baselineModel),
  },
  {
    rule: '!has(self.virtualModels) || !self.virtualModels.exists(v, v == self.baselineModel)',
    message: 'virtualModels must differ from baselineModel',
    fieldPath: '.virtualModels',
    holds: (s) => !(s.virtualModels ?? []).includes(s.baselineModel),
  },
  {
    rule: '!has(self.virtualModels) || !has(self.candidates) || !self.virtualModels.exists(v, self.candidates.exists(c, c == v))',
    message: 'virtualModels must differ from every candidate name',
    fieldPath: '.virtualModels',
    holds: (s) => !(s.virtualModels ?? []).some((v) => (s.candidates ?? []).includes(v)),
  },
  {
    // SQLite lives on a ReadWriteOnce volume: two writers would corrupt it.
    rule: "!has(self.replicas) || self.replicas <= 1 || (has(self.flywheel) && has(self.flywheel.store) && has(self.flywheel.store.type) && self.flywheel.store.type == 'postgres')",
    message: 'replicas > 1 requires flywheel.store.type postgres (SQLite is single-writer)',
    fieldPath: '.replicas',
    holds: (s) => (s.replicas ?? 1) <= 1 || s.flywheel?.store?.type === 'postgres',
  },
  {
    rule: '!has(self.flywheel) || !has(self.flywheel.fanOutAll) || !self.flywheel.fanOutAll || !has(self.flywheel.fanOut) || self.flywheel.fanOut == 0',
    message: 'flywheel: set fanOut or fanOutAll, not both',
    fieldPath: '.flywheel.fanOutAll',
    holds: (s) => !(s.flywheel?.fanOutAll && (s.flywheel.fanOut ?? 0) > 0),
  },
  {
    rule: '!has(self.candidates) || !has(self.flywheel) || !has(self.flywheel.evaluator) || !has(self.flywheel.evaluator.model) || self.candidates.exists(c, c == self.flywheel.evaluator.model)',
    message: 'flywheel.evaluator.model must be one of candidates',
    fieldPath: '.flywheel.evaluator.model',
    holds: (s) => {
      const judge = s.flywheel?.evaluator?.model;
      return s.candidates === undefined || judge === undefined || s.candidates.includes(judge);
    },
  },
];

const specObject = z
  .object({
    poolRef: z
      .object({ name: objectName("ModelPool name, in the SemanticRouter's namespace (cross-namespace references are not allowed).") })
      .describe('The ModelPool whose models the router chooses between.'),
    virtualModels: z
      .array(modelName)
      .min(1)
      .max(8)
      .meta({ 'x-kubernetes-list-type': 'set' })
      .default(['auto'])
      .describe('Model names clients send to mean "let the router choose".'),
    candidates: z
      .array(modelName)
      .min(1)
      .max(64)
      .meta({ 'x-kubernetes-list-type': 'set' })
      .optional()
      .describe('Models of the pool the router may choose; default: every model of the pool.'),
    baselineModel: modelName.describe('Reference model: flywheel shadow target and the cost/quality comparison in status.'),
    objective: objectiveSchema.default({ preset: 'balanced' }),
    classifier: z
      .object({ backend: z.enum(['hashed-tfidf']).default('hashed-tfidf').describe('Features the trained router decides on (in-process, no network).') })
      .default({ backend: 'hashed-tfidf' })
      .describe('Decision classifier.'),
    flywheel: routerFlywheelSchema.default(routerFlywheelSchema.parse({})),
    trainer: routerTrainerSchema.default(routerTrainerSchema.parse({})),
    budget: budgetSchema.optional(),
    cache: cacheSpecSchema
      .optional()
      .describe(
        "The router's own verified semantic cache in front of routing (src/cache/): Redis when given, else in memory; " +
          'delta bounds wrong hits. vector and keyStrategy are for the gateway ai-cache and are not used here.',
      ),
    gateway: z
      .object({
        namespace: z
          .string()
          .min(1)
          .max(63)
          .regex(DNS_LABEL)
          .default(DEFAULT_HIGRESS_NAMESPACE)
          .describe('Higress system namespace (AI route, provider entry).'),
        url: z
          .url()
          .max(2048)
          .optional()
          .describe(
            "How the router reaches the gateway for the chosen model; default http://higress-gateway.<namespace>.svc.cluster.local<pool's gateway.path>/v1 (the pool's own routes).",
          ),
      })
      .default({ namespace: DEFAULT_HIGRESS_NAMESPACE })
      .describe('The gateway the router sits behind and sends the chosen model back through.'),
    statusPollSeconds: z.int().min(1).max(3600).default(30).describe("How often the operator reads the router's /status."),
    image: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[^\s]+$/)
      .optional()
      .describe("Router image; the operator's default when omitted."),
    replicas: z.int().min(0).max(20).default(1),
    resources: z.object({ requests: resourceList.optional(), limits: resourceList.optional() }).optional(),
    publish: publishSpecSchema.optional(), // HiMarket product (src/controllers/himarket-wiring.ts)
  })
  .describe('Desired state of a SemanticRouter.');

export const semanticRouterSpecSchema = withCel(
  specObject,
  ROUTER_RULES.map(({ holds: _h, ...cel }) => cel),
).superRefine((spec, ctx) => {
  // Mirror of x-kubernetes-list-type: set (the API server reports the duplicate's index).
  for (const field of ['virtualModels', 'candidates'] as const) {
    const seen = new Set<string>();
    (spec[field] ?? []).forEach((v, i) => {
      if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [field, i], message: `Duplicate value: "${v}"` });
      seen.add(v);
    });
  }
  for (const r of ROUTER_RULES) {
    if (!r.holds(spec)) ctx.addIssue({ code: 'custom', path: r.fieldPath.replace(/^\./, '').split('.'), message: r.message });
  }
  const o = spec.objective;
  if (o.lambda !== undefined && o.minQuality !== undefined)
    ctx.addIssue({ code: 'custom', path: ['objective', 'minQuality'], message: 'objective: set lambda or minQuality, not both' });
  const e = spec.flywheel.evaluator;
  if (e.type === 'llm-judge' && !e.model)
    ctx.addIssue({ code: 'custom', path: ['flywheel', 'evaluator', 'model'], message: 'evaluator type llm-judge requires model' });
  if (e.type !== 'evaluate' && e.url)
    ctx.addIssue({ code: 'custom', path: ['flywheel', 'evaluator', 'url'], message: 'evaluator url is only used with type evaluate' });
  if (spec.flywheel.store.type === 'postgres' && !spec.flywheel.store.postgres) {
    ctx.addIssue({ code: 'custom', path: ['flywheel', 'store', 'postgres'], message: 'store type postgres requires postgres.secretRef' });
  }
});

const usd = z.number().min(0).max(1e12);

export const semanticRouterStatusSchema = statusSchema({
  endpoint: z.string().max(2048).optional().describe('OpenAI-compatible base URL of the router.'),
  candidates: z.array(z.string().max(128)).max(64).optional().describe('Models the router currently chooses between.'),
  routingAccuracy: z.string().max(16).optional().describe('Holdout accuracy of the serving router, e.g. "0.734" (printer column).'),
  routingAccuracySamples: z.int().min(0).optional().describe('Holdout records the accuracy was measured on.'),
  baselineAccuracy: z.string().max(16).optional(),
  datasetSize: z.int().min(0).optional().describe('Flywheel records in the store.'),
  modelVersion: z.string().max(128).optional(),
  lastTrainedAt: z.string().max(64).optional(),
  lastPromotion: z
    .object({
      outcome: z.string().max(64).describe('Promoted, CandidateLost, …'),
      version: z.string().max(128).optional(),
      message: z.string().max(1024).optional(),
      time: z.string().max(64).optional(),
    })
    .optional(),
  costPerRequest: z.string().max(32).optional().describe('USD per routed request (holdout, else live).'),
  savingVsBaseline: z.string().max(16).optional().describe('Cost saved versus always using the baseline, e.g. "63%".'),
  decisionLatencyP99Ms: z.string().max(16).optional(),
  spend: z.string().max(32).optional().describe('Spend in the current budget window vs the limit, e.g. "$1.20/$5.00" (printer column).'),
  budget: z
    .object({
      window: z.string().max(16),
      windowStart: z.string().max(64),
      limitUsd: usd,
      spentUsd: usd,
      projectedUsd: usd,
      mode: z.string().max(32).describe('Normal, Downgraded or CheapestOnly.'),
    })
    .optional(),
  effectiveKnob: z.string().max(64).optional().describe('The knob serving now, e.g. "lambda=7" or "cheapest-only".'),
  cache: z
    .object({
      hitRate: z.string().max(16).describe('Hits / lookups, e.g. "0.231"; "-" before the first lookup, "off" without spec.cache (printer column).'),
      mode: z
        .string()
        .max(32)
        .optional()
        .describe(
          'verified (hits bounded by delta), uncalibrated (no verifier: fixed cosine, delta not enforced), exact-only (identical questions only; the Cached condition says why) or off.',
        ),
      lookups: z.int().min(0).optional(),
      exactHits: z.int().min(0).optional(),
      semanticHits: z.int().min(0).optional(),
      wrongHitEstimate: z
        .string()
        .max(16)
        .optional()
        .describe('Estimated share of the served similar-question hits that were wrong (the verifier\'s calibration), e.g. "0.012".'),
      tokensSaved: z.int().min(0).optional(),
      usdSaved: z.string().max(32).optional().describe('What the cached answers would have cost at the pool prices, e.g. "$0.51".'),
      entries: z.int().min(0).optional(),
    })
    .optional()
    .describe("The router's semantic cache, from its /status."),
  lastPolled: z.string().max(64).optional().describe("Last successful read of the router's /status."),
  generatedObjects: z.array(generatedObjectSchema).max(32).optional(),
  publish: publishStatusSchema.optional(), // written by the HiMarket publish controller only
}).describe('Observed state of a SemanticRouter (numbers come from the router itself).');

export const semanticRouterSchema = customResourceSchema('SemanticRouter', semanticRouterSpecSchema, semanticRouterStatusSchema);

export type SemanticRouterSpecIn = z.input<typeof semanticRouterSpecSchema>;
export type SemanticRouterSpec = z.output<typeof semanticRouterSpecSchema>;
export type SemanticRouterStatus = z.output<typeof semanticRouterStatusSchema>;
export type SemanticRouter = z.output<typeof semanticRouterSchema>;

export const semanticRouterCrd = defineCrd({
  kind: 'SemanticRouter',
  plural: 'semanticrouters',
  singular: 'semanticrouter',
  shortNames: ['sr', 'semrouter'],
  description: 'SemanticRouter routes each request to the best model of a ModelPool for its meaning, and learns from its own traffic.',
  spec: semanticRouterSpecSchema,
  status: semanticRouterStatusSchema,
  rootRules: [
    // Generated names append "-router-data" (12) and must stay DNS labels.
    maxNameRule('SemanticRouter', 50, 'generated object names extend them'),
  ],
  printerColumns: [
    readyColumn,
    { name: 'Accuracy', type: 'string', jsonPath: '.status.routingAccuracy' },
    { name: 'Dataset', type: 'integer', jsonPath: '.status.datasetSize' },
    { name: 'Model', type: 'string', jsonPath: '.status.modelVersion' },
    { name: 'Spend', type: 'string', jsonPath: '.status.spend' },
    { name: 'Cache', type: 'string', jsonPath: '.status.cache.hitRate', priority: 1 },
    reasonColumn(1),
    { name: 'Knob', type: 'string', jsonPath: '.status.effectiveKnob', priority: 1 },
    ageColumn,
  ],
});
