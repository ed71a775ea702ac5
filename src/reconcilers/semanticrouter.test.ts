import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { cacheSpecSchema } from '../api/v1alpha1/cache.js';
import { modelPoolSpecSchema, type ModelPoolSpec } from '../api/v1alpha1/modelpool.js';
import type { Volume, VolumeMount } from '../contracts/kubernetes/index.js';
import { semanticRouterSchema, type SemanticRouter } from '../api/v1alpha1/semanticrouter.js';
import { expectGolden as expectGoldenIn } from '../../test/support/golden.js';
import { CONSOLE_PLUGINS, mergePluginShares, type ConsolePluginName, type PluginShare } from '../higress/console/shared-plugins.js';
import { parseRouterConfig } from '../router/config.js';
import type { RouterStatus } from '../router/status.js';
import { ROUTER_CHECKSUM_ANNOTATION, ROUTER_CONFIG_KEY, renderSemanticRouter, type RouterRender } from './semanticrouter.js';
import { semanticRouterStatus, UNREACHABLE_AFTER, type RouterObservation } from './semanticrouter-status.js';

const GOLDEN_DIR = join(import.meta.dirname ?? process.cwd(), '__golden__');
const CONSOLE_OBJECTS = join(import.meta.dirname ?? process.cwd(), '../../../shared/reference/higress-console-objects.yaml');

function router(spec: unknown, name = 'auto', namespace = 'team-a'): SemanticRouter {
  return semanticRouterSchema.parse({
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'SemanticRouter',
    metadata: { namespace, name, uid: '00000000-0000-0000-0000-000000000002' },
    spec,
  });
}

const pricing = (i: number, o: number) => ({ inputPerMillionTokens: i, outputPerMillionTokens: o });
const POOL: ModelPoolSpec = modelPoolSpecSchema.parse({
  models: [
    { name: 'gpt-4o', provider: { type: 'openai', credentials: { secretRef: { name: 'openai', key: 'k' } } }, pricing: pricing(5, 15), contextWindow: 128000 },
    { name: 'gemini-flash', provider: { type: 'openai-compatible', endpoint: 'http://sim:8090/v1' }, pricing: pricing(0.075, 0.3) },
    { name: 'llama-8b', provider: { type: 'vllm', endpoint: 'http://vllm:8000/v1' } },
  ],
});

function renderAll(r: RouterRender): string {
  const g = r.gateway;
  const docs: unknown[] = [r.configMap, r.pvc, r.deployment, r.service, ...g.routes.flatMap((x) => [x.configMap, x.ingress])];
  docs.push({ '# ai-proxy.internal providers[] entry': g.provider, '# ai-proxy.internal matchRules[] entry': g.providerRule });
  docs.push({ '# McpBridge default registries[] entry': g.registry });
  // The console plugins as our share alone would create them: whole WasmPlugins, so the contract test parses them.
  for (const [name, share] of Object.entries(g.shares) as [ConsolePluginName, PluginShare][]) {
    docs.push(
      mergePluginShares(undefined, CONSOLE_PLUGINS[name], r.gatewayNamespace, new Map([[`SemanticRouter/${r.owner.namespace}/${r.owner.name}`, share]])).plugin,
    );
  }
  docs.push({
    '# status of': `${r.owner.namespace}/${r.owner.name}`,
    endpoint: r.endpoint,
    candidates: r.candidates,
    generatedObjects: r.generatedObjects,
  });
  return docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

const expectGolden = (name: string, text: string): void => expectGoldenIn(GOLDEN_DIR, `semanticrouter-${name}`, text);

const SCENARIOS: Record<string, { router: SemanticRouter; pool: ModelPoolSpec }> = {
  minimal: { router: router({ poolRef: { name: 'chat' }, baselineModel: 'gpt-4o' }), pool: POOL },
  // The router in front of the pool's named traffic: one more console AI route, the router's way back via router-hop.
  'named-sampling': {
    router: router({ poolRef: { name: 'chat' }, candidates: ['gpt-4o', 'gemini-flash'], baselineModel: 'gpt-4o', flywheel: { sampleNamedModels: true } }),
    pool: POOL,
  },
  'budget-postgres-judge': {
    router: router(
      {
        poolRef: { name: 'chat' },
        virtualModels: ['auto', 'smart'],
        candidates: ['gpt-4o', 'gemini-flash'],
        baselineModel: 'gpt-4o',
        objective: { minQuality: 0.7 },
        flywheel: {
          sampleRate: 0.25,
          fanOutAll: true,
          evaluator: { type: 'llm-judge', model: 'gpt-4o' },
          store: { type: 'postgres', postgres: { secretRef: { name: 'pg' } } },
        },
        trainer: { minNewRecords: 100, promotionMargin: 0.01 },
        budget: { limitUsd: 20, window: 'hour' },
        replicas: 2,
        gateway: { namespace: 'gw', url: 'http://gw.example:80/v1' },
        resources: { limits: { memory: '512Mi' } },
      },
      'smart',
    ),
    pool: POOL,
  },
  cache: {
    router: router({
      poolRef: { name: 'chat' },
      baselineModel: 'gpt-4o',
      cache: {
        redis: { service: 'redis.cache.svc.cluster.local', passwordSecretRef: { name: 'redis', key: 'password' } },
        embedding: {
          type: 'openai',
          service: 'higress-gateway.higress-system.svc.cluster.local',
          model: 'text-embedding-3-small',
          apiKeySecretRef: { name: 'emb', key: 'key' },
        },
        ttlSeconds: 600,
        delta: 0.02,
        keyPrefix: 'router:',
      },
    }),
    pool: POOL,
  },
  'cache-encoder': {
    router: router({
      poolRef: { name: 'chat' },
      baselineModel: 'gpt-4o',
      cache: {
        encoder: { persistentVolumeClaim: { claimName: 'minilm' }, path: 'all-MiniLM-L6-v2/' },
        verifier: { configMapRef: { name: 'cache-verifier', key: 'verifier.json' } },
      },
    }),
    pool: POOL,
  },
};

describe('SemanticRouter render (goldens)', () => {
  it.each(Object.keys(SCENARIOS))('%s', (scenario) => {
    const { router: r, pool } = SCENARIOS[scenario]!;
    const { render, issues } = renderSemanticRouter({ router: r, pool });
    expect(issues.filter((i) => i.blocking)).toEqual([]);
    expectGolden(scenario, renderAll(render!));
  });

  it('writes a config the router itself accepts, and rolls the pods when it changes', () => {
    const a = renderSemanticRouter({ router: SCENARIOS.minimal!.router, pool: POOL }).render!;
    const config = parseRouterConfig(parse(a.configMap.data[ROUTER_CONFIG_KEY]!));
    expect(config.models.map((m) => m.name)).toEqual(['gpt-4o', 'gemini-flash', 'llama-8b']);
    expect(config.policy).toMatchObject({ lambda: 7, aliases: ['auto'], baselineModel: 'gpt-4o' });
    const repriced = { ...POOL, models: POOL.models.map((m) => (m.name === 'gpt-4o' ? { ...m, pricing: pricing(2.5, 10) } : m)) };
    const b = renderSemanticRouter({ router: SCENARIOS.minimal!.router, pool: repriced }).render!;
    const checksum = (x: RouterRender) =>
      (x.deployment.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations[ROUTER_CHECKSUM_ANNOTATION];
    expect(checksum(b)).not.toEqual(checksum(a));
    expect(b.config.models[0]).toMatchObject({ pricePer1MInput: 2.5, pricePer1MOutput: 10 });
  });

  it("passes each pool model's capabilities and context window on, so image and tool requests reach models that take them", () => {
    const vision = { ...POOL, models: POOL.models.map((m) => (m.name === 'gpt-4o' ? { ...m, capabilities: ['vision', 'tools'] } : m)) };
    const config = parseRouterConfig(
      parse(renderSemanticRouter({ router: SCENARIOS.minimal!.router, pool: vision }).render!.configMap.data[ROUTER_CONFIG_KEY]!),
    );
    expect(config.models[0]).toMatchObject({ name: 'gpt-4o', contextWindow: 128000, capabilities: ['vision', 'tools'] });
    expect(config.models[1]!.capabilities).toBeUndefined();
  });

  it('renders spec.cache into the cache block of the router config, credentials as env names from Secrets', () => {
    const r = renderSemanticRouter({ router: SCENARIOS.cache!.router, pool: POOL }).render!;
    const config = parseRouterConfig(parse(r.configMap.data[ROUTER_CONFIG_KEY]!));
    expect(config.cache).toEqual({
      redis: { host: 'redis.cache.svc.cluster.local', port: 6379, database: 0, passwordEnv: 'ROUTER_CACHE_REDIS_PASSWORD', keyPrefix: 'router:' },
      maxEntries: 10_000,
      ttlSeconds: 600,
      delta: 0.02,
      semantic: true,
      embedding: {
        kind: 'openai',
        baseUrl: 'http://higress-gateway.higress-system.svc.cluster.local/v1',
        model: 'text-embedding-3-small',
        apiKeyEnv: 'ROUTER_CACHE_EMBEDDING_API_KEY',
      },
    });
    const container = (r.deployment.spec as { template: { spec: { containers: { env: unknown[] }[] } } }).template.spec.containers[0]!;
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'ROUTER_CACHE_REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis', key: 'password' } } },
        { name: 'ROUTER_CACHE_EMBEDDING_API_KEY', valueFrom: { secretKeyRef: { name: 'emb', key: 'key' } } },
      ]),
    );
    // Without Redis: the in-memory store with its limit; no embedding service: ONNX in process.
    const memory = renderSemanticRouter({
      router: router({ poolRef: { name: 'chat' }, baselineModel: 'gpt-4o', cache: { maxEntries: 500, semantic: false } }),
      pool: POOL,
    });
    expect(memory.render!.config.cache).toEqual({ maxEntries: 500, ttlSeconds: 3600, delta: 0.03, semantic: false, embedding: { kind: 'onnx' } });
    const other = renderSemanticRouter({
      router: router({
        poolRef: { name: 'chat' },
        baselineModel: 'gpt-4o',
        cache: { embedding: { type: 'dashscope', service: 'dashscope.aliyuncs.com.dns' } },
      }),
      pool: POOL,
    });
    expect(other.issues.map((i) => [i.reason, i.blocking])).toContainEqual(['CacheEmbeddingUnsupported', false]);
    // The spec change reaches the pods through the config checksum.
    const plain = renderSemanticRouter({ router: SCENARIOS.minimal!.router, pool: POOL }).render!;
    expect(r.checksum).not.toEqual(plain.checksum);
    expect(renderSemanticRouter({ router: SCENARIOS.minimal!.router, pool: POOL }).render!.config.cache).toBeUndefined();
  });

  it('mounts spec.cache.encoder read-only and the verifier from its ConfigMap, and points the cache block at them', () => {
    const r = renderSemanticRouter({ router: SCENARIOS['cache-encoder']!.router, pool: POOL }).render!;
    const config = parseRouterConfig(parse(r.configMap.data[ROUTER_CONFIG_KEY]!));
    expect(config.cache).toMatchObject({
      embedding: { kind: 'onnx', modelDir: '/var/lib/router-cache/encoder/all-MiniLM-L6-v2' },
      verifierPath: '/etc/router-cache/verifier.json',
    });
    type PodSpec = { volumes: Volume[]; containers: { volumeMounts: VolumeMount[] }[] };
    const pod = (x: RouterRender) => (x.deployment.spec as { template: { spec: PodSpec } }).template.spec;
    expect(pod(r).volumes).toEqual(
      expect.arrayContaining([
        { name: 'cache-encoder', persistentVolumeClaim: { claimName: 'minilm', readOnly: true } },
        { name: 'cache-verifier', configMap: { name: 'cache-verifier', items: [{ key: 'verifier.json', path: 'verifier.json' }], optional: true } },
      ]),
    );
    expect(pod(r).containers[0]!.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'cache-encoder', mountPath: '/var/lib/router-cache/encoder', readOnly: true },
        { name: 'cache-verifier', mountPath: '/etc/router-cache', readOnly: true },
      ]),
    );
    // An OCI image volume instead of a claim; without a path the volume's root holds the files.
    const image = renderSemanticRouter({
      router: router({ poolRef: { name: 'chat' }, baselineModel: 'gpt-4o', cache: { encoder: { image: { reference: 'registry.example/minilm:1' } } } }),
      pool: POOL,
    }).render!;
    expect(image.config.cache?.embedding).toEqual({ kind: 'onnx', modelDir: '/var/lib/router-cache/encoder' });
    expect(image.config.cache?.verifierPath).toBeUndefined();
    expect(pod(image).volumes).toContainEqual({ name: 'cache-encoder', image: { reference: 'registry.example/minilm:1' } });
    expect(pod(image).volumes.map((v) => v.name)).not.toContain('cache-verifier');
  });

  it('rejects an encoder with two sources or none, a path leaving the volume, and an encoder beside an embedding service', () => {
    const bad = (cache: unknown) => cacheSpecSchema.safeParse(cache).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(bad({ encoder: {} })).toEqual(['encoder: set exactly one of persistentVolumeClaim and image']);
    expect(bad({ encoder: { persistentVolumeClaim: { claimName: 'a' }, image: { reference: 'b' } } })).toEqual([
      'encoder: set exactly one of persistentVolumeClaim and image',
    ]);
    expect(bad({ encoder: { persistentVolumeClaim: { claimName: 'a' }, path: 'models/../../etc' } })).toEqual([
      'encoder.path: must stay inside the volume: no ".." segment',
    ]);
    expect(bad({ encoder: { persistentVolumeClaim: { claimName: 'a' }, path: '/abs' } })[0]).toMatch(/^encoder\.path: /);
    expect(bad({ encoder: { image: { reference: 'r' } }, embedding: { type: 'openai', service: 'emb.dns', model: 'm' } })).toEqual([
      'encoder: encoder (the router embeds in process) and embedding (an embeddings service) are two sources of question embeddings: set one',
    ]);
    expect(bad({ encoder: { image: { reference: 'r' } }, verifier: { configMapRef: { name: 'v', key: 'verifier.json' } } })).toEqual([]);
  });

  it('has the same names, labels, annotations and JSON keys as the AI route a live console wrote', () => {
    const consoleDocs = parseAllDocuments(readFileSync(CONSOLE_OBJECTS, 'utf8')).map(
      (d) =>
        d.toJS() as {
          kind: string;
          metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> };
          data?: { data: string };
          spec: unknown;
        },
    );
    const consoleIngress = consoleDocs.find((d) => d.kind === 'Ingress' && d.metadata.name.startsWith('ai-route-'))!;
    const consoleConfigMap = consoleDocs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('ai-route-'))!;
    const route = renderSemanticRouter({ router: SCENARIOS.minimal!.router, pool: POOL }).render!.gateway.routes[0]!;
    const notOurs = (o: Record<string, string>) =>
      Object.keys(o)
        .filter((k) => !k.startsWith('ai.higress.io/') && !k.startsWith('app.kubernetes.io/'))
        .sort();
    expect(route.ingress.metadata.name).toBe(`ai-route-${route.name}.internal`);
    expect(notOurs(route.ingress.metadata.labels!)).toEqual(Object.keys(consoleIngress.metadata.labels).sort());
    expect(notOurs(route.ingress.metadata.annotations!)).toEqual(Object.keys(consoleIngress.metadata.annotations!).sort());
    expect(route.ingress.spec).toEqual(consoleIngress.spec);
    expect(route.configMap.metadata.name).toBe(`ai-route-${route.name}`);
    expect(notOurs(route.configMap.metadata.labels!)).toEqual(Object.keys(consoleConfigMap.metadata.labels).sort());
    const consoleJson = JSON.parse(consoleConfigMap.data!.data) as Record<string, unknown>;
    expect(Object.keys(route.json).sort()).toEqual(Object.keys(consoleJson).sort());
    expect(route.json.name).toBe(route.name);
  });

  it('keeps an access grant stored on a route: authConfig in the JSON and the key-auth seed rule follow it', () => {
    const plain = renderSemanticRouter({ router: SCENARIOS.minimal!.router, pool: POOL }).render!;
    const name = plain.gateway.routes[0]!.name;
    const granted = { enabled: true, allowedConsumers: ['himarket-consumer'] };
    const g = renderSemanticRouter({ router: SCENARIOS.minimal!.router, pool: POOL, routeAuth: new Map([[name, granted]]) }).render!.gateway;
    expect(plain.gateway.routes[0]!.json.authConfig).toEqual({ enabled: false });
    expect(JSON.parse(String(g.routes[0]!.configMap.data.data))).toMatchObject({ authConfig: granted });
    expect(g.shares['key-auth.internal']!.seedRules).toEqual([
      { ingress: [`ai-route-${name}.internal`], configDisable: false, config: { allow: ['himarket-consumer'] } },
    ]);
  });

  it('publishes only the API port through the gateway; the admin port (/status, /metrics, cache admin) stays in-cluster', () => {
    const r = renderSemanticRouter({ router: SCENARIOS.minimal!.router, pool: POOL }).render!;
    const api = r.config.listen.port;
    const admin = r.config.admin.port;
    expect(admin).not.toBe(api);
    expect(r.gateway.registry.port).toBe(api);
    expect(r.gateway.provider.openaiCustomUrl).toMatch(new RegExp(`:${api}/v1$`));
    for (const route of r.gateway.routes) expect(route.ingress.metadata.annotations!['higress.io/destination']).toMatch(new RegExp(`:${api}$`));
    const ports = (r.service.spec as { ports: { name: string; port: number }[] }).ports;
    expect(ports).toEqual([expect.objectContaining({ name: 'http', port: api }), expect.objectContaining({ name: 'admin', port: admin })]);
    expect(r.adminEndpoint).toMatch(new RegExp(`:${admin}$`));
  });

  it('reports pool problems naming the field, and blocks only what cannot route', () => {
    const r = router({ poolRef: { name: 'chat' }, candidates: ['gpt-4o', 'gone'], baselineModel: 'gpt-4o' });
    const degraded = renderSemanticRouter({ router: r, pool: POOL });
    expect(degraded.render?.candidates).toEqual(['gpt-4o']);
    expect(degraded.issues).toEqual([
      { reason: 'CandidateNotInPool', message: expect.stringContaining('spec.candidates: gone not in ModelPool chat'), blocking: false },
    ]);
    expect(renderSemanticRouter({ router: SCENARIOS.minimal!.router, pool: POOL }).issues).toEqual([
      { reason: 'PricingMissing', message: expect.stringContaining('llama-8b'), blocking: false },
    ]);
    expect(renderSemanticRouter({ router: r, pool: undefined }).issues[0]).toMatchObject({ reason: 'ModelPoolNotFound', blocking: true });
    const noBaseline = renderSemanticRouter({ router: router({ poolRef: { name: 'chat' }, baselineModel: 'nope' }), pool: POOL });
    expect(noBaseline.render).toBeUndefined();
    expect(noBaseline.issues.filter((i) => i.blocking).map((i) => i.reason)).toEqual(['BaselineNotInPool']);
    const judge = renderSemanticRouter({
      router: router({ poolRef: { name: 'chat' }, baselineModel: 'gpt-4o', flywheel: { evaluator: { type: 'llm-judge', model: 'x' } } }),
      pool: POOL,
    });
    expect(judge.issues.filter((i) => i.blocking).map((i) => [i.reason, i.message.split(':')[0]])).toEqual([
      ['JudgeNotInPool', 'spec.flywheel.evaluator.model'],
    ]);
    const shadow = renderSemanticRouter({
      router: router({ poolRef: { name: 'chat' }, baselineModel: 'gpt-4o', virtualModels: ['chat'] }),
      pool: POOL,
      gatewayModelNames: new Set(['chat']),
    });
    expect(shadow.issues.filter((i) => i.blocking).map((i) => i.reason)).toEqual(['VirtualModelConflict']);
    const claimed = renderSemanticRouter({
      router: SCENARIOS.minimal!.router,
      pool: POOL,
      claimedVirtualModels: new Map([['auto', 'SemanticRouter/team-b/other']]),
    });
    expect(claimed.issues.find((i) => i.blocking)?.message).toContain('SemanticRouter/team-b/other');
  });
});

const STATUS: RouterStatus = {
  modelVersion: 'r120-abcdef01',
  modelKind: 'learned-linear-v1',
  previousVersions: ['cold'],
  startedAt: '2026-11-30T09:00:00.000Z',
  flywheel: { mode: 'data-generation', sampleRate: 1, store: 'sqlite', datasetSize: 150, queueDepth: 0, queueCapacity: 1000 },
  holdout: {
    routingAccuracy: 0.7412,
    baselineAccuracy: 0.73,
    costPerRequest: 0.0012,
    baselineCostPerRequest: 0.006,
    examples: 30,
    evaluatedAt: '2026-11-30T09:05:00.000Z',
  },
  live: { pairedRecords: 150, costPerRequest: 0.001, baselineCostPerRequest: 0.005, costRatio: 0.2, accuracy: 0.7, baselineAccuracy: 0.72 },
  decisionMs: { p50: 0.02, p99: 0.1234, samples: 150 },
  cache: null,
  trainer: {
    state: 'idle',
    pinned: null,
    runs: 2,
    promotions: 1,
    lastRunAt: '2026-11-30T09:05:00.000Z',
    lastOutcome: 'Promoted',
    lastMessage: null,
    recordsAtLastRun: 150,
    lastCandidateVersion: 'r120-abcdef01',
    lastMargin: 0.0213,
    lastPromotionAt: '2026-11-30T09:05:00.000Z',
    rollbacks: 0,
    lastRollback: null,
    probation: { version: 'r120-abcdef01', previousVersion: 'cold', records: 12, meanDelta: null, verdict: 'Pending' },
  },
  counters: {
    requests: 150,
    fallbacks: 0,
    upstreamErrors: 0,
    badRequests: 0,
    flywheelEnqueued: 150,
    flywheelDropped: 0,
    flywheelRecorded: 150,
    flywheelFailed: 0,
  },
  budget: {
    window: 'day',
    windowStart: '2026-11-30T00:00:00.000Z',
    limitUsd: 5,
    spentUsd: 4.2,
    projectedUsd: 9.1,
    mode: 'Downgraded',
    effectiveLambda: 50,
    requests: 150,
    downgrades: 1,
  },
  policy: { lambda: 7, qualityThreshold: null },
};

describe('SemanticRouter status (pure)', () => {
  const render = renderSemanticRouter({ router: SCENARIOS.minimal!.router, pool: POOL }).render!;
  const up: RouterObservation = { runtimeAvailable: true, runtimeMessage: 'ok', lastStatus: STATUS, failures: 0, lastPolled: '2026-11-30T09:06:00Z' };
  const ready = (r: ReturnType<typeof semanticRouterStatus>) => r.conditions.find((c) => c.type === 'Ready');

  it('fills every number from the router and emits promotion and budget events', () => {
    const previous = { modelVersion: 'cold', budget: { ...STATUS.budget!, mode: 'Normal' } };
    const result = semanticRouterStatus({ render, issues: [], observed: up, previous, pollIntervalMs: 30_000 });
    expectGolden(
      'status',
      stringify({ status: result.status, conditions: result.conditions, events: result.events, requeueAfterMs: result.requeueAfterMs }, { lineWidth: 0 }),
    );
    expect(result.status).toMatchObject({
      routingAccuracy: '0.741',
      datasetSize: 150,
      modelVersion: 'r120-abcdef01',
      savingVsBaseline: '80%',
      spend: '$4.20/$5.00',
      effectiveKnob: 'lambda=50 (budget)',
    });
    expect(result.events.map((e) => e.reason)).toEqual(['Promoted', 'BudgetDowngrade']);
    expect(ready(result)?.status).toBe('True');
  });

  it("reports the cache's numbers, a Cached condition naming the spec field that would make it serve more, and off without spec.cache", () => {
    const cached = renderSemanticRouter({ router: SCENARIOS['cache-encoder']!.router, pool: POOL }).render!;
    const cache: NonNullable<RouterStatus['cache']> = {
      lookups: 1000,
      exactHits: 150,
      semanticHits: 80,
      wrongHitEstimate: 1.2,
      tokensSaved: 91_234.4,
      usdSaved: 0.5123,
      entries: 770,
      storeUp: true,
      delta: 0.03,
      semantic: true,
      calibrated: true,
      embedder: 'onnx:encoder',
    };
    const at = (c: NonNullable<RouterStatus['cache']>, render: RouterRender = cached) =>
      semanticRouterStatus({ render, issues: [], observed: { ...up, lastStatus: { ...STATUS, cache: c } }, previous: undefined, pollIntervalMs: 1000 });
    const verified = at(cache);
    expect(verified.status.cache).toEqual({
      hitRate: '0.230',
      mode: 'verified',
      lookups: 1000,
      exactHits: 150,
      semanticHits: 80,
      wrongHitEstimate: '0.015',
      tokensSaved: 91_234,
      usdSaved: '$0.5123',
      entries: 770,
    });
    // One cached answer of a cheap model saves a few millionths of a dollar: shown, not rounded to $0.0000.
    expect([0.0000156, 1.56e-7, 0].map((usdSaved) => at({ ...cache, usdSaved }).status.cache?.usdSaved)).toEqual(['$0.000016', '$0.00000016', '$0.0000']);
    const condition = (r: ReturnType<typeof semanticRouterStatus>) => r.conditions.find((c) => c.type === 'Cached');
    expect(condition(verified)).toMatchObject({ status: 'True', reason: 'Verified' });
    expect(condition(at({ ...cache, calibrated: false }))).toMatchObject({
      status: 'False',
      reason: 'Uncalibrated',
      message: expect.stringMatching(/^spec\.cache\.verifier is not set/),
    });
    const exactOnly = at({
      ...cache,
      semantic: false,
      semanticOff: 'EmbeddingModelMissing: embedding model file /var/lib/router-cache/encoder/model.onnx does not exist',
    });
    expect(condition(exactOnly)).toMatchObject({ status: 'False', reason: 'ExactMatchOnly', message: expect.stringContaining('model.onnx does not exist') });
    expect(exactOnly.status.cache?.mode).toBe('exact-only');
    expect(exactOnly.events).toContainEqual({ type: 'Warning', reason: 'CacheExactMatchOnly', message: expect.stringContaining('EmbeddingModelMissing') });
    // Once: the next poll of the same state is no news.
    const next = semanticRouterStatus({
      render: cached,
      issues: [],
      observed: { ...up, lastStatus: { ...STATUS, cache: { ...cache, semantic: false, semanticOff: 'EmbeddingModelMissing: x' } } },
      previous: exactOnly.status,
      pollIntervalMs: 1000,
    });
    expect(next.events.map((e) => e.reason)).not.toContain('CacheExactMatchOnly');
    expect(condition(at({ ...cache, storeUp: false }))).toMatchObject({ status: 'False', reason: 'StoreUnavailable' });
    expect(at({ ...cache, lookups: 0, exactHits: 0, semanticHits: 0 }).status.cache).toMatchObject({ hitRate: '-' });
    // Ready does not depend on the cache: a cache that serves less still routes.
    expect(ready(exactOnly)?.status).toBe('True');
    // spec.cache removed: the column says off instead of keeping the last numbers, and there is no Cached condition.
    const removed = semanticRouterStatus({ render, issues: [], observed: up, previous: verified.status, pollIntervalMs: 1000 });
    expect(removed.status.cache).toEqual({ hitRate: 'off', mode: 'off' });
    expect(condition(removed)).toBeUndefined();
  });

  it('shows a rollback in lastPromotion and as a Warning event', () => {
    const promoted = semanticRouterStatus({ render, issues: [], observed: up, previous: { modelVersion: 'cold' }, pollIntervalMs: 1000 }).status;
    const rolledBack: RouterStatus = {
      ...STATUS,
      modelVersion: 'cold',
      previousVersions: [],
      trainer: {
        ...STATUS.trainer,
        lastOutcome: 'RolledBack',
        lastCandidateVersion: 'cold',
        lastMargin: 0.0412,
        rollbacks: 1,
        lastRollback: { from: 'r120-abcdef01', to: 'cold', trigger: 'OnlineRegression', margin: 0.0412, records: 64, at: '2026-11-30T09:20:00.000Z' },
        probation: null,
      },
    };
    const result = semanticRouterStatus({ render, issues: [], observed: { ...up, lastStatus: rolledBack }, previous: promoted, pollIntervalMs: 1000 });
    expect(result.status.lastPromotion).toEqual({
      outcome: 'RolledBack',
      version: 'cold',
      message: 'rolled back from r120-abcdef01: it trailed cold by 0.0412 online utility on 64 records it routed',
      time: '2026-11-30T09:20:00.000Z',
    });
    expect(result.status.modelVersion).toBe('cold');
    expect(result.events).toContainEqual({
      type: 'Warning',
      reason: 'RolledBack',
      message: 'router model went back from r120-abcdef01 to cold: it trailed by 0.0412 online utility on 64 records',
    });
    expect(result.conditions.find((c) => c.type === 'Trained')).toMatchObject({ reason: 'RolledBack', message: '2 trainer runs, 1 promotion; serving cold' });
  });

  it('tells a budget that is spent from one the traffic would overrun (both serve only the cheapest candidate)', () => {
    const at = (spentUsd: number) => {
      const budget = {
        window: 'day' as const,
        windowStart: '2026-12-02T00:00:00.000Z',
        limitUsd: 5,
        spentUsd,
        projectedUsd: 462.5,
        mode: 'CheapestOnly' as const,
        effectiveLambda: null,
        requests: 900,
        downgrades: 1,
      };
      const r = semanticRouterStatus({
        render,
        issues: [],
        observed: { ...up, lastStatus: { ...STATUS, budget } },
        previous: { budget: { ...budget, mode: 'Normal' } },
        pollIntervalMs: 1000,
      });
      return { condition: r.conditions.find((c) => c.type === 'Budget'), event: r.events.find((e) => e.reason === 'BudgetDowngrade')?.message };
    };
    expect(at(5.01).condition).toMatchObject({ reason: 'BudgetReached', message: 'spent $5.0100 of $5 this day: only the cheapest candidate serves' });
    expect(at(5.01).event).toMatch(/^budget reached: /);
    expect(at(0.21).condition).toMatchObject({
      reason: 'BudgetPaceExceeded',
      message:
        'spent $0.2100 of $5 this day; at this pace the configured knob would spend $462.50 by its end and no cheaper knob fits what is left: only the cheapest candidate serves',
    });
    expect(at(0.21).event).toMatch(/^at this pace the budget would not last the day: serving only the cheapest candidate/);
  });

  it('says in Trained that spec.trainer.pinnedVersion holds the router, or that the volume lacks that version', () => {
    const trained = (pinned: RouterStatus['trainer']['pinned'], modelVersion: string) =>
      semanticRouterStatus({
        render,
        issues: [],
        observed: { ...up, lastStatus: { ...STATUS, modelVersion, trainer: { ...STATUS.trainer, state: 'pinned', pinned } } },
        previous: undefined,
        pollIntervalMs: 1000,
      }).conditions.find((c) => c.type === 'Trained');
    expect(trained({ version: 'cold', found: true, available: ['cold', 'r120-abcdef01'] }, 'cold')).toEqual({
      type: 'Trained',
      status: 'True',
      reason: 'Pinned',
      message: 'serving cold (spec.trainer.pinnedVersion); training, promotions and rollbacks paused',
    });
    expect(trained({ version: 'r7-typo', found: false, available: ['cold', 'r120-abcdef01'] }, 'r120-abcdef01')).toEqual({
      type: 'Trained',
      status: 'False',
      reason: 'PinnedVersionNotFound',
      message: "spec.trainer.pinnedVersion: r7-typo is not among the router's versions (cold, r120-abcdef01); serving r120-abcdef01, training paused",
    });
    const config = parseRouterConfig(
      parse(
        renderSemanticRouter({
          router: {
            ...SCENARIOS.minimal!.router,
            spec: { ...SCENARIOS.minimal!.router.spec, trainer: { ...SCENARIOS.minimal!.router.spec.trainer, pinnedVersion: 'cold' } },
          },
          pool: POOL,
        }).render!.configMap.data[ROUTER_CONFIG_KEY]!,
      ),
    );
    expect(config.trainer.pinnedVersion).toBe('cold');
  });

  it('does not flap Ready on a missed poll, backs off, then reports the router unreachable', () => {
    const previous = semanticRouterStatus({ render, issues: [], observed: up, previous: undefined, pollIntervalMs: 1000 }).status;
    const once = semanticRouterStatus({ render, issues: [], observed: { ...up, failures: 1, lastError: 'ECONNREFUSED' }, previous, pollIntervalMs: 1000 });
    expect(ready(once)?.status).toBe('True');
    expect(once.status.routingAccuracy).toBe('0.741');
    const down = semanticRouterStatus({
      render,
      issues: [],
      observed: { ...up, failures: UNREACHABLE_AFTER, lastError: 'ECONNREFUSED' },
      previous,
      pollIntervalMs: 1000,
    });
    expect(ready(down)).toMatchObject({ status: 'False', reason: 'RouterUnreachable' });
    expect(down.conditions.find((c) => c.type === 'RouterReachable')).toMatchObject({ status: 'False', message: expect.stringContaining('next try in 4 s') });
    expect(down.requeueAfterMs).toBe(4000);
    expect(down.events.map((e) => e.reason)).toContain('RouterUnreachable');
  });

  it('says whether the router is a provider in the console ai-proxy.internal', () => {
    const exposed = (provider: Parameters<typeof semanticRouterStatus>[0]['provider']) =>
      semanticRouterStatus({ render, issues: [], observed: up, previous: undefined, pollIntervalMs: 1000, provider }).conditions.find(
        (c) => c.type === 'Exposed',
      );
    expect(exposed({ result: 'written' })).toMatchObject({
      status: 'True',
      reason: 'ConsoleProvider',
      message: expect.stringContaining(render.gateway.providerId),
    });
    expect(exposed({ result: 'pluginMissing' })).toMatchObject({ status: 'False', reason: 'ProviderPluginMissing' });
    expect(exposed({ result: 'conflict', message: 'not ours' })).toMatchObject({ status: 'False', reason: 'ProviderConflict', message: 'not ours' });
  });

  it('says which field is wrong when the pool blocks the render', () => {
    const issues = [{ reason: 'BaselineNotInPool', message: 'spec.baselineModel: x is not a model of ModelPool chat', blocking: true }];
    const result = semanticRouterStatus({
      render: undefined,
      issues,
      observed: { runtimeAvailable: false, runtimeMessage: 'not rendered', failures: 0 },
      previous: undefined,
      pollIntervalMs: 1000,
    });
    expect(ready(result)).toMatchObject({ status: 'False', reason: 'BaselineNotInPool', message: expect.stringContaining('spec.baselineModel') });
  });
});
