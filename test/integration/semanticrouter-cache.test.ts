// spec.cache on a SemanticRouter, on the real kube-apiserver: the operator renders the cache section into the
// router's config document, runs the router (local-process mode) against the model-matrix simulator with a
// real redis-server as its store, and a repeated question is answered from the cache — counted by the router
// itself (/cache/stats on its admin port), not only seen in a response header.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { parse } from 'yaml';
import { modelPoolResource } from '../../src/controllers/resources.js';
import { semanticRouterResource, type SemanticRouterObject } from '../../src/controllers/semanticrouter.js';
import { LocalRouterLocator } from '../../src/controllers/semanticrouter-local.js';
import { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/object.js';
import { Resources } from '../../src/kube/resources.js';
import { startOperator, type Operator } from '../../src/operator.js';
import { ROUTER_CONFIG_KEY, routerObjectNames } from '../../src/reconcilers/semanticrouter.js';
import { loadModels, routingDataDir } from '../../src/simulator/data.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/server.js';
import { createLogger } from '../../src/util/log.js';
import { uncalibratedVerifier } from '../../src/cache/verifier.js';
import { startTestRedis, type TestRedis } from '../dataplane/cache/redis-server.js';
import { testKubeConfig, uniqueNamespace, waitFor } from './support/kube.js';
import { matrixRouter, simulatorPool } from './support/pools.js';

const kc = testKubeConfig();
const client = KubeClient.fromKubeConfig(kc);
const log = createLogger('operator', 'warn');
const MODELS = loadModels(join(routingDataDir(), 'models.json')).slice(0, 3);
const stateDir = mkdtempSync(join(tmpdir(), 'sr-cache-'));
let sim: SimulatorHandle;
let redis: TestRedis;
let locator: LocalRouterLocator;
let operator: Operator;

beforeAll(async () => {
  execFileSync('bash', [new URL('../../hack/ensure-embedding-model.sh', import.meta.url).pathname], { stdio: 'inherit' });
  redis = await startTestRedis();
  sim = await startSimulator({ timeScale: 0.002 });
  locator = new LocalRouterLocator({ log, stateDir, upstreamUrl: `${sim.url}/v1`, startTimeoutMs: 60_000, client });
  operator = await startOperator({ kubeConfig: kc, resyncPeriodMs: 0, log, router: { locator } });
  await operator.synced;
});
afterAll(async () => {
  await operator?.stop();
  await sim?.close();
  redis?.remove();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('SemanticRouter spec.cache', () => {
  it('reaches the router config, and a repeated question is served from the Redis-backed cache', async () => {
    const ns = await uniqueNamespace('sr-cache');
    const gw = await uniqueNamespace('sr-cache-gw');
    await client.create(modelPoolResource, simulatorPool(ns, gw, sim.url, MODELS));
    await client.create(semanticRouterResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'SemanticRouter',
      metadata: { name: 'cached', namespace: ns },
      spec: {
        poolRef: { name: 'matrix' },
        baselineModel: MODELS[0]!.id,
        gateway: { namespace: gw },
        statusPollSeconds: 1,
        cache: { redis: { service: '127.0.0.1', port: redis.port }, ttlSeconds: 600, keyPrefix: `${ns}:` },
      },
    } as unknown as KubeObject);

    // The cache section of the router's versioned config document, as the operator rendered it.
    const cm = await waitFor(() => client.get<KubeObject & { data?: Record<string, string> }>(Resources.ConfigMap, routerObjectNames('cached').workload, ns), {
      timeoutMs: 30_000,
      description: 'router ConfigMap',
    });
    const config = parse(cm.data![ROUTER_CONFIG_KEY]!) as { cache?: Record<string, unknown> };
    expect(config.cache).toMatchObject({ redis: { host: '127.0.0.1', port: redis.port, keyPrefix: `${ns}:` }, ttlSeconds: 600, embedding: { kind: 'onnx' } });

    const ready = await waitFor(
      async () => {
        const r = await client.get<SemanticRouterObject>(semanticRouterResource, 'cached', ns);
        return r?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && r.status.endpoint ? r : undefined;
      },
      { timeoutMs: 90_000, description: 'SemanticRouter Ready with an endpoint' },
    );
    const openai = new OpenAI({ baseURL: ready.status!.endpoint, apiKey: 'unused', maxRetries: 0 });
    const question = sim.questions[0]!.question;
    const ask = async () => {
      const { data, response } = await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: question }] }).withResponse();
      return { content: data.choices[0]?.message.content ?? '', cache: response.headers.get('x-cache') };
    };
    const first = await ask();
    expect(first.cache).toBe('miss');
    const again = await ask();
    expect(again).toEqual({ content: first.content, cache: 'hit-exact' });

    // Counted by the router's cache, on the admin port (the gateway-facing API port does not serve it).
    const admin = locator.endpointsOf({ kind: 'SemanticRouter', namespace: ns, name: 'cached' })!.admin;
    const stats = (await (await fetch(`${admin}/cache/stats`)).json()) as { exactHits: number; stored: number; storeUp: boolean };
    expect(stats).toMatchObject({ exactHits: 1, stored: 1, storeUp: true });
    expect((await fetch(`${ready.status!.endpoint!.replace(/\/v1$/, '')}/cache/stats`)).status).toBe(404);
    // …and in the SemanticRouter's status, from the router's /status: the numbers, the CACHE column, and a Cached
    // condition that says delta is not enforced without spec.cache.verifier.
    const counted = await waitFor(
      async () => {
        const r = await client.get<SemanticRouterObject>(semanticRouterResource, 'cached', ns);
        return r?.status?.cache?.exactHits === 1 ? r : undefined;
      },
      { timeoutMs: 30_000, description: 'status.cache with the hit' },
    );
    expect(counted.status!.cache).toMatchObject({ hitRate: '0.500', mode: 'uncalibrated', lookups: 2, exactHits: 1, semanticHits: 0, entries: 1 });
    expect(counted.status!.conditions?.find((c) => c.type === 'Cached')).toMatchObject({ status: 'False', reason: 'Uncalibrated' });
    // The entry lives in the Redis the spec named, under the spec's key prefix.
    const r = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
    try {
      await r.connect();
      expect((await r.keys(`${ns}:*`)).length).toBeGreaterThan(0);
    } finally {
      r.disconnect();
    }

    await client.delete(semanticRouterResource, 'cached', ns);
    await waitFor(async () => !(await client.get(semanticRouterResource, 'cached', ns)), { timeoutMs: 30_000, description: 'router gone' });
  });

  it('takes the verifier from the ConfigMap spec.cache.verifier names (Cached=True, mode verified), and follows a change of it', async () => {
    const ns = await uniqueNamespace('sr-verifier');
    const gw = await uniqueNamespace('sr-verifier-gw');
    await client.create(modelPoolResource, simulatorPool(ns, gw, sim.url, MODELS));
    // A verifier whose calibration certifies any delta (a million held-out hits, none wrong): enough to show the
    // file travels from the ConfigMap to the router; what a real one certifies is docs/evaluation/cache.md's.
    const verifier = { ...uncalibratedVerifier('onnx:test').model, calibration: [{ score: 0.5, hits: 1_000_000, wrong: 0 }] };
    await client.create(Resources.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cache-verifier', namespace: ns },
      data: { 'verifier.json': JSON.stringify(verifier) },
    } as KubeObject);
    await client.create(semanticRouterResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'SemanticRouter',
      metadata: { name: 'verified', namespace: ns },
      spec: {
        poolRef: { name: 'matrix' },
        baselineModel: MODELS[0]!.id,
        gateway: { namespace: gw },
        statusPollSeconds: 1,
        cache: { delta: 0.05, verifier: { configMapRef: { name: 'cache-verifier', key: 'verifier.json' } } },
      },
    } as unknown as KubeObject);
    const verified = await waitFor(
      async () => {
        const r = await client.get<SemanticRouterObject>(semanticRouterResource, 'verified', ns);
        return r?.status?.conditions?.some((c) => c.type === 'Cached' && c.status === 'True') ? r : undefined;
      },
      { timeoutMs: 90_000, description: 'Cached=True from the mounted verifier' },
    );
    expect(verified.status!.conditions?.find((c) => c.type === 'Cached')).toMatchObject({ reason: 'Verified', message: expect.stringContaining('delta 0.05') });
    expect(verified.status!.cache).toMatchObject({ mode: 'verified', hitRate: '-', lookups: 0 });

    // Recalibrated on other pairs that cannot certify 0.05: the running router takes the new file (the locator
    // swaps it in as the kubelet would) and stops answering similar questions, saying why; no restart.
    const weak = { ...verifier, calibration: [{ score: 0.5, hits: 40, wrong: 20 }] };
    await client.patch(Resources.ConfigMap, 'cache-verifier', ns, { data: { 'verifier.json': JSON.stringify(weak) } }, 'merge');
    const recalibrated = await waitFor(
      async () => {
        const r = await client.get<SemanticRouterObject>(semanticRouterResource, 'verified', ns);
        const c = r?.status?.conditions?.find((x) => x.type === 'Cached');
        return c?.reason === 'ExactMatchOnly' ? c : undefined;
      },
      { timeoutMs: 60_000, description: 'Cached=False after the verifier ConfigMap changed' },
    );
    expect(recalibrated.message).toContain('DeltaNotCertifiable');
    await client.delete(semanticRouterResource, 'verified', ns);
  });

  it('holds the local router while the Redis password Secret is missing, as the kubelet holds the pod, and starts it once it exists', async () => {
    const ns = await uniqueNamespace('sr-held');
    const gw = await uniqueNamespace('sr-held-gw');
    await client.create(modelPoolResource, simulatorPool(ns, gw, sim.url, MODELS));
    await client.create(
      semanticRouterResource,
      matrixRouter(ns, 'held', gw, MODELS, {
        statusPollSeconds: 1,
        cache: { redis: { service: '127.0.0.1', port: redis.port, passwordSecretRef: { name: 'redis-auth', key: 'password' } } },
      }),
    );
    const readyOf = async () => {
      const r = await client.get<SemanticRouterObject>(semanticRouterResource, 'held', ns);
      return { r, ready: r?.status?.conditions?.find((c) => c.type === 'Ready') };
    };
    const held = await waitFor(async () => ((await readyOf()).ready?.reason === 'SecretNotFound' ? readyOf() : undefined), {
      timeoutMs: 30_000,
      description: 'Ready=False SecretNotFound',
    });
    expect(held.ready?.message).toBe(`spec.cache.redis.passwordSecretRef.name: Secret ${ns}/redis-auth not found`);
    expect(locator.endpointsOf({ kind: 'SemanticRouter', namespace: ns, name: 'held' })).toBeUndefined();

    await client.create(Resources.Secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'redis-auth', namespace: ns },
      stringData: { password: 'not-used-by-the-test-redis' },
    } as KubeObject);
    const routing = await waitFor(async () => ((await readyOf()).ready?.status === 'True' ? readyOf() : undefined), {
      timeoutMs: 90_000,
      description: 'Ready=True once the Secret exists',
    });
    expect(routing.r?.status?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    await client.delete(semanticRouterResource, 'held', ns);
  });
});
