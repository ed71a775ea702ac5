// SemanticRouter end to end on the real kube-apiserver: the operator renders and applies the router's objects,
// runs the router itself (local-process mode: the harness has no nodes) against the model-matrix simulator,
// and fills status from the router's own /status while the official openai client sends traffic.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { parse } from 'yaml';
import { aiProxyConfigSchema, aiProxyRuleConfigSchema, aiStatisticsRuleConfigSchema, checkHigressObject } from '../../src/contracts/higress/index.js';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { semanticRouterResource, type SemanticRouterObject } from '../../src/controllers/semanticrouter.js';
import { LocalRouterLocator } from '../../src/controllers/semanticrouter-local.js';
import { HttpRouterStatusReader, type RouterEndpoints, type RouterLocator, type RouterStatusReader } from '../../src/controllers/semanticrouter-runtime.js';
import type { RouterStatus } from '../../src/router/status.js';
import { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/object.js';
import { OWNER_KIND_LABEL } from '../../src/kube/owner.js';
import { Resources } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import type { RouterRender } from '../../src/reconcilers/semanticrouter.js';
import { consoleName } from '../../src/reconcilers/semanticrouter-gateway.js';
import { startRouter, type RouterHandle } from '../../src/router/serve/server.js';
import { coldStartModel } from '../../src/router/decision/cold-start.js';
import { loadModels, routingDataDir } from '../../src/simulator/data.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/server.js';
import { createLogger } from '../../src/util/log.js';
import { testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';
import { simulatorPool } from './support/pools.js';

const kc = testKubeConfig();

/** A list as the API server's Table form (what `kubectl get` prints): column definitions and cells. */
async function serverTable(path: string): Promise<{ columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] }> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(kc.getCurrentCluster()!.server + path);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ...opts, headers: { ...opts.headers, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as never) : reject(new Error(`${path}: HTTP ${res.statusCode}: ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}
const client = KubeClient.fromKubeConfig(kc);
const log = createLogger('operator', 'warn');
const stateDir = mkdtempSync(join(tmpdir(), 'sr-local-'));
const MODELS = loadModels(join(routingDataDir(), 'models.json'));
let sim: SimulatorHandle;

/** Either the real local-process locator, or one whose router the test can stop and start (unreachable → recovery). */
class SwitchableLocator implements RouterLocator {
  readonly replacesDeployment = true;
  router: RouterHandle | undefined;
  port = 0;
  adminPort = 0;
  down = false;
  async endpointFor(render: RouterRender): Promise<RouterEndpoints | undefined> {
    if (!this.router && !this.down) {
      const config = {
        ...render.config,
        listen: { host: '127.0.0.1', port: this.port },
        admin: { host: '127.0.0.1', port: this.adminPort },
        upstream: { ...render.config.upstream, baseUrl: `${sim.url}/v1` },
        store: { kind: 'memory' as const },
        trainer: { ...render.config.trainer, enabled: false },
      };
      this.router = await startRouter(config, {
        model: coldStartModel({ candidates: render.config.models, policy: { mode: 'utility', lambda: 0 }, baselineModel: render.config.policy.baselineModel }),
      });
      this.port = this.router.port;
      this.adminPort = this.router.adminPort;
    }
    return this.port ? { api: `http://127.0.0.1:${this.port}/v1`, admin: `http://127.0.0.1:${this.adminPort}` } : undefined;
  }
  async release(): Promise<void> {
    await this.router?.close();
    this.router = undefined;
  }
}

const pool = (namespace: string, gateway: string, models = MODELS) => simulatorPool(namespace, gateway, sim.url, models);

/** Pool `matrix` on the default gateway and router `auto` over it serving one virtual model, polled every second. */
async function createPolledRouter(ns: string, virtualModel: string): Promise<void> {
  await client.create(modelPoolResource, pool(ns, 'higress-system') as never);
  await client.create(semanticRouterResource, {
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'SemanticRouter',
    metadata: { name: 'auto', namespace: ns },
    spec: { poolRef: { name: 'matrix' }, baselineModel: 'gpt-4o-2024-05-13', virtualModels: [virtualModel], statusPollSeconds: 1 },
  } as never);
}

const getRouter = (ns: string, name = 'auto') => client.get<SemanticRouterObject>(semanticRouterResource, name, ns);
const condition = (r: SemanticRouterObject | undefined, type: string) => r?.status?.conditions?.find((c) => c.type === type);

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.002 });
});
afterAll(async () => {
  await sim.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('SemanticRouter with a real router process', () => {
  let operator: Operator;
  beforeAll(async () => {
    const locator = new LocalRouterLocator({ log, stateDir, upstreamUrl: `${sim.url}/v1`, startTimeoutMs: 60_000 });
    operator = await startOperator({ kubeConfig: kc, resyncPeriodMs: 0, log, router: { locator } });
    await operator.synced;
  });
  afterAll(async () => operator.stop());

  it('applies its objects, learns from traffic (dataset grows, accuracy appears, model promoted), downgrades on budget, follows pool changes, cleans up', async () => {
    const ns = await uniqueNamespace('sr');
    const gw = await uniqueNamespace('sr-gw');
    // The console's own ai-proxy.internal, there before the pool (the pool's gateway sync would create it otherwise) with a provider of its own (as higress-console-objects.yaml has it).
    await client.create(Resources.WasmPlugin, {
      apiVersion: 'extensions.higress.io/v1alpha1',
      kind: 'WasmPlugin',
      metadata: { name: 'ai-proxy.internal', namespace: gw, labels: { 'higress.io/resource-definer': 'higress', 'higress.io/internal': 'true' } },
      spec: {
        url: 'oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/ai-proxy:2.0.1',
        phase: 'UNSPECIFIED_PHASE',
        priority: 100,
        defaultConfigDisable: false,
        defaultConfig: { providers: [{ id: 'openai-c', type: 'openai', protocol: 'openai', apiTokens: ['sk-console-test'] }] },
        matchRules: [{ service: ['llm-openai-c.internal.dns'], configDisable: false, config: { activeProviderId: 'openai-c' } }],
      },
    } as never);
    await client.create(modelPoolResource, pool(ns, gw) as never);
    type Rule = { ingress?: string[]; service?: string[]; configDisable?: boolean; config: Record<string, unknown> };
    type Plugin = KubeObject & {
      spec: { defaultConfig: { providers?: { id: string; openaiCustomUrl?: string }[]; modelToHeader?: string }; matchRules: Rule[] };
    };
    const plugin = async (name: string) => client.get<Plugin>(Resources.WasmPlugin, name, gw);
    const aiProxy = async () => (await plugin('ai-proxy.internal'))!.spec;
    await client.create(semanticRouterResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'SemanticRouter',
      metadata: { name: 'auto', namespace: ns },
      spec: {
        poolRef: { name: 'matrix' },
        baselineModel: 'gpt-4o-2024-05-13',
        // At the cost preset a model trained on ~50 records already beats the cold-start prior on holdout.
        objective: { preset: 'cost' },
        gateway: { namespace: gw },
        flywheel: { sampleRate: 1, fanOutAll: true },
        // The promotion gate wants ≥ 30 holdout records: half of 120 requests.
        trainer: { minNewRecords: 40, holdoutFraction: 0.5, promotionMargin: 0 },
        budget: { limitUsd: 0.001, window: 'day' },
        statusPollSeconds: 1,
      },
    } as never);
    const ready = await waitFor(
      async () => ((await getRouter(ns))?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True') ? getRouter(ns) : undefined),
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        description: 'SemanticRouter Ready',
      },
    ).catch(async (err: unknown) => {
      // Say why: the conditions the operator wrote.
      throw new Error(`${String(err)}; conditions: ${JSON.stringify((await getRouter(ns))?.status?.conditions ?? [])}`);
    });
    expect(ready.status?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const coldVersion = ready.status?.modelVersion;
    expect(coldVersion).toBeDefined();
    // Workload objects in the router's namespace, console-form AI route in the gateway namespace.
    for (const [rt, name, where] of [
      [Resources.ConfigMap, 'auto-router', ns],
      [Resources.Service, 'auto-router', ns],
    ] as const) {
      expect(await client.get(rt, name, where)).toBeDefined();
    }
    // The router in the console's forms, beside the pool's own console objects (never in their place):
    // provider P in ai-proxy.internal → registry llm-P.internal → AI route R (model `auto`) with upstream P.
    const owner = { kind: 'SemanticRouter', namespace: ns, name: 'auto' };
    const providerId = consoleName(owner);
    const routeName = consoleName(owner, 'auto');
    const service = `llm-${providerId}.internal.dns`;
    const host = `auto-router.${ns}.svc.cluster.local`;
    const ingresses = async () =>
      (await client.list<KubeObject & { metadata: { annotations?: Record<string, string> } }>(Resources.Ingress, { namespace: gw })).items;
    const poolRouteNames = async () => (await ingresses()).filter((i) => i.metadata.labels?.[OWNER_KIND_LABEL] === 'ModelPool').map((i) => i.metadata.name);
    const routerRoutes = async () => (await ingresses()).filter((i) => i.metadata.labels?.[OWNER_KIND_LABEL] === 'SemanticRouter').map((i) => i.metadata.name);
    const registries = async () =>
      (await client.get<KubeObject & { spec: { registries?: { name: string; domain?: string; port?: number }[] } }>(Resources.McpBridge, 'default', gw))?.spec
        .registries ?? [];
    const poolRoutes = await waitFor(async () => ((await poolRouteNames()).length === MODELS.length ? poolRouteNames() : undefined), {
      timeoutMs: 30_000,
      description: "the pool's console AI routes",
    });
    expect(await routerRoutes()).toEqual([`ai-route-${routeName}.internal`]);
    expect(poolRoutes).not.toContain(`ai-route-${routeName}.internal`);
    const routeIngress = (await ingresses()).find((i) => i.metadata.name === `ai-route-${routeName}.internal`)!;
    expect(routeIngress.metadata.annotations).toMatchObject({
      'higress.io/destination': `${service}:8080`,
      'higress.io/exact-match-header-x-higress-llm-model': 'auto',
    });
    expect((await registries()).filter((r) => r.name === `llm-${providerId}.internal`)).toEqual([
      expect.objectContaining({ type: 'dns', domain: host, port: 8080 }),
    ]);
    const aiRouteMap = await client.get<KubeObject & { data: { data: string } }>(Resources.ConfigMap, `ai-route-${routeName}`, gw);
    expect(JSON.parse(aiRouteMap!.data.data)).toMatchObject({
      name: routeName,
      upstreams: [{ provider: providerId, weight: 100 }],
      modelPredicates: [{ matchType: 'EQUAL', matchValue: 'auto' }],
    });

    const withRouter = await aiProxy();
    const ids = withRouter.defaultConfig.providers!.map((p) => p.id);
    // The console's own provider stays first and untouched; the pool's nine and the router's one beside it.
    expect(ids[0]).toBe('openai-c');
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id === providerId)).toHaveLength(1);
    expect(ids).toHaveLength(2 + MODELS.length);
    expect(withRouter.defaultConfig.providers!.find((p) => p.id === providerId)).toEqual({
      id: providerId,
      type: 'openai',
      protocol: 'openai',
      openaiCustomUrl: `http://${host}:8080/v1`,
    });
    expect(withRouter.matchRules.filter((r) => r.config.activeProviderId === providerId)).toEqual([
      { service: [service], configDisable: false, config: { activeProviderId: providerId } },
    ]);
    expect(withRouter.matchRules.find((r) => r.config.activeProviderId === 'openai-c')).toEqual({
      service: ['llm-openai-c.internal.dns'],
      configDisable: false,
      config: { activeProviderId: 'openai-c' },
    });
    expect(condition(await getRouter(ns), 'Exposed')).toMatchObject({ status: 'True', reason: 'ConsoleProvider' });
    // What the console adds for every AI route: a statistics rule, a key-auth rule, model-router's header.
    const statistics = await plugin('ai-statistics-2.0.1');
    const statsRule = statistics!.spec.matchRules.find((r) => r.ingress?.[0] === `ai-route-${routeName}.internal`);
    expect(statsRule).toEqual({ ingress: [`ai-route-${routeName}.internal`], configDisable: false, config: { use_default_response_attributes: true } });
    expect(aiStatisticsRuleConfigSchema.parse(statsRule!.config)).toEqual({ use_default_response_attributes: true });
    expect((await plugin('key-auth.internal'))!.spec.matchRules.find((r) => r.ingress?.[0] === `ai-route-${routeName}.internal`)).toMatchObject({
      configDisable: true,
    });
    expect((await plugin('model-router.internal'))!.spec.defaultConfig.modelToHeader).toBe('x-higress-llm-model');
    // Whole plugins the operator created parse through the Higress contracts; in ai-proxy.internal (the test's
    // stand-in for the console's) our provider entry and rule do.
    for (const name of ['ai-statistics-2.0.1', 'key-auth.internal', 'model-router.internal']) expect(checkHigressObject(await plugin(name))).toEqual([]);
    expect(() => aiProxyConfigSchema.parse({ providers: withRouter.defaultConfig.providers!.filter((p) => p.id === providerId) })).not.toThrow();
    expect(() => aiProxyRuleConfigSchema.parse({ activeProviderId: providerId })).not.toThrow();

    // Traffic through the official client, as a user of model "auto" would send it.
    const openai = new OpenAI({ baseURL: ready.status!.endpoint, apiKey: 'unused', maxRetries: 0 });
    const questions = sim.questions.slice(0, 120);
    for (let i = 0; i < questions.length; i += 6) {
      await Promise.all(
        questions.slice(i, i + 6).map((q) => openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: q.question }] })),
      );
    }
    const learned = await waitFor(
      async () => {
        const r = await getRouter(ns);
        return r?.status?.routingAccuracy && (r.status.datasetSize ?? 0) >= 100 && r.status.modelVersion !== coldVersion ? r : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, description: 'accuracy, dataset and a promoted model in status' },
    );
    expect(Number(learned.status!.routingAccuracy)).toBeGreaterThan(0);
    // "won/lost and by how much": the holdout utility margin the promotion gate measured.
    expect(learned.status!.lastPromotion).toMatchObject({
      outcome: 'Promoted',
      version: learned.status!.modelVersion,
      message: expect.stringMatching(/^won by \+\d+\.\d{4} holdout utility$/),
    });
    expect(learned.status!.routingAccuracySamples).toBeGreaterThan(0);

    // $0.001 a day is far below what 120 routed requests cost: the router serves only the cheapest model now.
    const downgraded = await waitFor(
      async () => {
        const r = await getRouter(ns);
        return r?.status?.budget?.mode === 'CheapestOnly' ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 'budget mode CheapestOnly' },
    );
    expect(condition(downgraded, 'Budget')).toMatchObject({ status: 'False', reason: 'BudgetReached' });
    expect(downgraded.status?.effectiveKnob).toBe('cheapest-only (budget)');
    expect(downgraded.status?.spend).toMatch(/^\$\d+\.\d+\/\$0\.0010$/);
    const answer = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: questions[0]!.question }] }).withResponse();
    expect(answer.response.headers.get('x-router-reason')).toBe('BudgetCheapestOnly');
    const events = (await client.list<KubeObject & { reason?: string }>(Resources.Event, { namespace: ns })).items.map((e) => e.reason);
    expect(events).toEqual(expect.arrayContaining(['Promoted', 'BudgetDowngrade']));
    // Every number the issue names, read from the router's /status, not configured.
    expect(downgraded.status).toMatchObject({
      routingAccuracy: expect.stringMatching(/^\d\.\d{3}$/),
      routingAccuracySamples: expect.any(Number),
      baselineAccuracy: expect.stringMatching(/^\d\.\d{3}$/),
      datasetSize: expect.any(Number),
      modelVersion: expect.stringMatching(/\S/),
      lastTrainedAt: expect.any(String),
      lastPromotion: expect.objectContaining({ outcome: expect.any(String) }),
      costPerRequest: expect.stringMatching(/^\$\d+\.\d+$/),
      savingVsBaseline: expect.stringMatching(/^-?\d+%$/),
      decisionLatencyP99Ms: expect.stringMatching(/^\d+(\.\d+)?$/),
      spend: expect.any(String),
      effectiveKnob: expect.any(String),
    });
    // `kubectl get semanticrouters` as the API server serves it (the Table form kubectl prints): the columns,
    // in order, each filled with the status value.
    const tableOf = await serverTable(`/apis/ai.higress.io/v1alpha1/namespaces/${ns}/semanticrouters`);
    const shown = tableOf.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name.toUpperCase());
    expect(shown).toEqual(['NAME', 'READY', 'ACCURACY', 'DATASET', 'MODEL', 'SPEND', 'AGE']);
    const cells = Object.fromEntries(tableOf.columnDefinitions.map((c, i) => [c.name.toUpperCase(), tableOf.rows[0]!.cells[i]]));
    // The flywheel may still be landing shadow records, so the cells are checked for shape, not against a second read.
    expect(cells).toMatchObject({
      NAME: 'auto',
      READY: 'True',
      ACCURACY: expect.stringMatching(/^\d\.\d{3}$/),
      DATASET: expect.any(Number),
      MODEL: expect.stringMatching(/\S/), // a later training run may have promoted again
      SPEND: expect.stringMatching(/^\$\d+\.\d+\/\$0\.0010$/),
    });
    expect(cells.DATASET).toBeGreaterThanOrEqual(100);

    // A pin (spec.trainer.pinnedVersion) restarts the router on that version from its volume, training paused; a
    // pin to a version the volume lacks says which it has.
    const pinned = learned.status!.modelVersion!;
    const trainedIs = (reason: string, version?: string) =>
      waitFor(
        async () => {
          const x = await getRouter(ns);
          const c = condition(x, 'Trained');
          return c?.reason === reason && (version === undefined || x?.status?.modelVersion === version) ? c : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, description: `Trained ${reason}` },
      );
    await client.patch(semanticRouterResource, 'auto', ns, { spec: { trainer: { pinnedVersion: pinned } } }, 'merge');
    expect(await trainedIs('Pinned', pinned)).toMatchObject({
      status: 'True',
      message: `serving ${pinned} (spec.trainer.pinnedVersion); training, promotions and rollbacks paused`,
    });
    await client.patch(semanticRouterResource, 'auto', ns, { spec: { trainer: { pinnedVersion: 'r0-missing' } } }, 'merge');
    expect((await trainedIs('PinnedVersionNotFound')).message).toMatch(
      new RegExp(`^spec\\.trainer\\.pinnedVersion: r0-missing is not among the router's versions \\(.*${pinned}.*\\); serving `),
    );
    await client.patch(semanticRouterResource, 'auto', ns, { spec: { trainer: { pinnedVersion: null } } }, 'merge');
    await waitFor(
      async () => {
        const x = await getRouter(ns);
        const c = condition(x, 'Trained');
        return c && c.reason !== 'Pinned' && c.reason !== 'PinnedVersionNotFound' ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'Trained no longer pinned' },
    );

    // Pool change: gpt-4o reprices and llama-3.1-8b disappears → the router's config follows.
    const repriced = pool(
      ns,
      gw,
      MODELS.filter((m) => m.id !== 'llama-3.1-8b-instruct').map((m) => (m.id === 'gpt-4o-2024-05-13' ? { ...m, pricePer1MInput: 2.5 } : m)),
    );
    const current = await client.get<KubeObject>(modelPoolResource, 'matrix', ns);
    await client.update(modelPoolResource, { ...repriced, metadata: { ...repriced.metadata, resourceVersion: current!.metadata.resourceVersion } } as never);
    await waitFor(
      async () => {
        const cm = await client.get<KubeObject & { data: Record<string, string> }>(Resources.ConfigMap, 'auto-router', ns);
        const models = (parse(cm!.data['router.yaml']!) as { models: { name: string; pricePer1MInput: number }[] }).models;
        return models.length === 9 && models.find((m) => m.name === 'gpt-4o-2024-05-13')?.pricePer1MInput === 2.5 ? true : undefined;
      },
      { timeoutMs: 20_000, description: 'router config follows the pool' },
    );

    // A candidate named explicitly that the pool no longer has: a condition, the router keeps routing.
    const r = await getRouter(ns);
    await client.update(semanticRouterResource, {
      ...r!,
      spec: { ...r!.spec, candidates: ['gpt-4o-2024-05-13', 'llama-3.1-8b-instruct', 'gemini-1.5-flash-002'] },
    } as never);
    const degraded = await waitFor(
      async () => {
        const x = await getRouter(ns);
        return condition(x, 'PoolResolved')?.reason === 'CandidateNotInPool' ? x : undefined;
        // The candidate change rolls the local router (drain, stop, start): allow for a slow start on a busy machine.
      },
      { timeoutMs: 60_000, description: 'CandidateNotInPool condition' },
    );
    expect(condition(degraded, 'PoolResolved')?.message).toContain('llama-3.1-8b-instruct');
    expect(degraded.status?.candidates).toEqual(['gpt-4o-2024-05-13', 'gemini-1.5-flash-002']);

    await client.delete(semanticRouterResource, 'auto', ns);
    await waitFor(async () => ((await getRouter(ns)) === undefined ? true : undefined), { timeoutMs: 20_000, description: 'finalizer released' });
    expect(await routerRoutes()).toEqual([]);
    expect(await client.get(Resources.ConfigMap, `ai-route-${routeName}`, gw)).toBeUndefined();
    expect((await registries()).map((r) => r.name)).not.toContain(`llm-${providerId}.internal`);
    const after = await aiProxy();
    expect(after.defaultConfig.providers!.map((p) => p.id)).not.toContain(providerId);
    expect(after.defaultConfig.providers![0]!.id).toBe('openai-c');
    expect(after.matchRules.map((r) => r.service?.[0])).not.toContain(service);
    expect(after.matchRules.map((r) => r.service?.[0])).toContain('llm-openai-c.internal.dns');
    expect((await plugin('ai-statistics-2.0.1'))!.spec.matchRules.map((r) => r.ingress?.[0])).not.toContain(`ai-route-${routeName}.internal`);
    expect((await plugin('key-auth.internal'))!.spec.matchRules.map((r) => r.ingress?.[0])).not.toContain(`ai-route-${routeName}.internal`);
    // The pool's own routes (nine models now) are untouched.
    expect(await poolRouteNames()).toHaveLength(9);
  }, 300_000);
});

/** The real router's /status, optionally rewritten by the test (to play a promotion and a rollback the trainer would take minutes to produce). */
class ScriptedStatusReader implements RouterStatusReader {
  private readonly http = new HttpRouterStatusReader();
  script: ((s: RouterStatus) => RouterStatus) | undefined;
  async read(admin: string): Promise<RouterStatus> {
    const s = await this.http.read(admin);
    return this.script ? this.script(s) : s;
  }
}

describe('SemanticRouter whose router stops answering', () => {
  let operator: Operator;
  const locator = new SwitchableLocator();
  const reader = new ScriptedStatusReader();
  beforeAll(async () => {
    operator = await startOperator({ kubeConfig: kc, resyncPeriodMs: 0, log, router: { locator, reader } });
    await operator.synced;
  });
  afterAll(async () => {
    await operator.stop();
    await locator.release();
  });

  it('reports RouterUnreachable after several missed polls (not one), then recovers', async () => {
    const ns = await uniqueNamespace('sr-down');
    await createPolledRouter(ns, 'auto-down');
    await waitFor(async () => (condition(await getRouter(ns), 'Ready')?.status === 'True' ? true : undefined), { timeoutMs: 30_000, description: 'Ready' });

    await locator.router!.close();
    locator.router = undefined;
    locator.down = true;
    const missed = await waitFor(
      async () => {
        const r = await getRouter(ns);
        const reach = condition(r, 'RouterReachable');
        return reach?.reason === 'PollFailed' ? r : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, description: 'a failed poll' },
    );
    expect(condition(missed, 'Ready')?.status).toBe('True');
    const down = await waitFor(
      async () => {
        const r = await getRouter(ns);
        return condition(r, 'Ready')?.reason === 'RouterUnreachable' ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'RouterUnreachable' },
    );
    expect(condition(down, 'RouterReachable')).toMatchObject({ status: 'False', message: expect.stringContaining('consecutive /status polls failed') });
    expect(down.status?.modelVersion).toBeDefined();

    locator.down = false;
    await waitFor(async () => (condition(await getRouter(ns), 'Ready')?.status === 'True' ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: 'recovered',
    });
  }, 120_000);

  it('turns a promotion and a rollback reported by /status into lastPromotion and the Promoted / RolledBack events', async () => {
    await locator.release();
    locator.port = 0;
    locator.adminPort = 0;
    const ns = await uniqueNamespace('sr-rb');
    await createPolledRouter(ns, 'auto-rb');
    const ready = await waitFor(
      async () => {
        const r = await getRouter(ns);
        return condition(r, 'Ready')?.status === 'True' && r?.status?.modelVersion ? r : undefined;
      },
      { timeoutMs: 30_000, description: 'Ready' },
    );
    const cold = ready.status!.modelVersion!;
    const events = async () => (await client.list<KubeObject & { reason?: string; type?: string; message?: string }>(Resources.Event, { namespace: ns })).items;
    try {
      reader.script = (s) => ({
        ...s,
        modelVersion: 'v-trained',
        previousVersions: [cold],
        trainer: {
          ...s.trainer,
          runs: 1,
          promotions: 1,
          lastOutcome: 'Promoted',
          lastCandidateVersion: 'v-trained',
          lastMargin: 0.0213,
          lastRunAt: new Date().toISOString(),
        },
      });
      const promoted = await waitFor(
        async () => {
          const r = await getRouter(ns);
          return r?.status?.modelVersion === 'v-trained' ? r : undefined;
        },
        { timeoutMs: 20_000, description: 'promoted version in status' },
      );
      expect(promoted.status!.lastPromotion).toMatchObject({ outcome: 'Promoted', version: 'v-trained', message: 'won by +0.0213 holdout utility' });
      await waitFor(async () => (await events()).find((e) => e.reason === 'Promoted'), { timeoutMs: 10_000, description: 'Promoted event' });

      reader.script = (s) => ({
        ...s,
        modelVersion: cold,
        previousVersions: [],
        trainer: {
          ...s.trainer,
          runs: 1,
          promotions: 1,
          rollbacks: 1,
          lastOutcome: 'RolledBack',
          lastRollback: { from: 'v-trained', to: cold, trigger: 'OnlineRegression', margin: 0.031, records: 42, at: new Date().toISOString() },
        },
      });
      const rolledBack = await waitFor(
        async () => {
          const r = await getRouter(ns);
          return r?.status?.lastPromotion?.outcome === 'RolledBack' ? r : undefined;
        },
        { timeoutMs: 20_000, description: 'RolledBack in lastPromotion' },
      );
      expect(rolledBack.status!.modelVersion).toBe(cold);
      expect(rolledBack.status!.lastPromotion!.message).toMatch(/rolled back from v-trained: it trailed .* by 0\.0310 online utility on 42 records/);
      const warning = await waitFor(async () => (await events()).find((e) => e.reason === 'RolledBack'), {
        timeoutMs: 10_000,
        description: 'RolledBack event',
      });
      expect(warning).toMatchObject({ type: 'Warning', message: expect.stringContaining('went back from v-trained') });
    } finally {
      reader.script = undefined;
    }
  }, 120_000);
});
