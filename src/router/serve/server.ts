import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../util/log.js';
import { parseRouterConfig, type RouterConfig, type RouterConfigInput } from '../config.js';
import { createEvaluator } from '../flywheel/evaluator.js';
import { Flywheel } from '../flywheel/flywheel.js';
import { parseCaptured } from '../flywheel/capture.js';
import { openStore } from '../flywheel/open-store.js';
import type { FlywheelStore } from '../flywheel/store.js';
import { routerStatusSchema, type RouterStatus } from '../status.js';
import type { EmbeddingBackend } from '../decision/embedding.js';
import type { CacheMiddleware } from '../../cache/chat-middleware.js';
import { LearnedRouterModel } from '../decision/learned-model.js';
import type { Decision, FlywheelRecord, RouterModel } from '../types.js';
import { cacheStatus, registerCacheMetrics } from './cache-observe.js';
import { createRouterMetrics, metricTotal, type RouterMetrics } from './metrics.js';
import { BodyError, readJson, sendError, sendJson } from './openai-http.js';
import { LatencyWindow } from './latency-window.js';
import { decisionRequest, parseChatRequest, type ChatRequest } from './request.js';
import { SseEventAligner } from './sse-aligner.js';
import { TrainerLoop, type TrainerFn } from './trainer-loop.js';
import type { PinnedModel } from './initial-model.js';
import type { RouterModelVersionStore } from '../training/version-store.js';
import { BudgetGovernor } from '../budget/governor.js';
import { costUsd } from '../flywheel/flywheel.js';
import { Upstream, UpstreamError, type UpstreamCall } from './upstream.js';
import { boundedLabel } from '../../util/bounded-label.js';
import { errorMessage } from '../../util/errors.js';

// The router's serving shell: OpenAI-compatible in front, one upstream behind. It decides (or honours a
// pinned model), forwards, streams back without buffering, falls back down the ranked list while nothing
// has reached the client yet, and hands sampled answers to the flywheel after the user is served.

const log = createLogger('router');

export interface RouterDeps {
  /** The decision model to start with. */
  model: RouterModel;
  /** Default: opened from `config.store`. */
  store?: FlywheelStore;
  /** The decision core's trainer; without it the trainer loop stays disabled. */
  trainer?: TrainerFn;
  /** trainer.pinnedVersion as initialRouterModel found it (the model it loaded is `model`). */
  pinned?: PinnedModel;
  /** Promotion history on the volume (the trainer's store), moved back by a rollback. */
  versions?: RouterModelVersionStore;
  /** Default: process.env (API key and Postgres URL env variables are read from it). */
  env?: NodeJS.ProcessEnv;
  random?: () => number;
  /** External embedding backend (an OpenAI-compatible /v1/embeddings model) for models trained on it. */
  embedding?: EmbeddingBackend;
  /** Semantic cache (src/cache/): replays verified hits before routing, records replies after. */
  cache?: CacheMiddleware;
}

export interface RouterHandle {
  /** The OpenAI API (what the gateway reaches). */
  url: string;
  port: number;
  /** /status, /metrics, /healthz, /readyz and the cache admin API (config.admin). */
  adminUrl: string;
  adminPort: number;
  config: RouterConfig;
  metrics: RouterMetrics;
  store: FlywheelStore;
  flywheel: Flywheel;
  trainer: TrainerLoop;
  model(): RouterModel;
  setModel(model: RouterModel): void;
  status(): Promise<RouterStatus>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'authorization',
]);

/** Request headers worth passing upstream: everything end-to-end except credentials the router replaces. */
function forwardHeaders(headers: IncomingHttpHeaders, hasKey: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || k === 'accept-encoding') continue;
    if (k === 'authorization' && hasKey) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  // Without a configured key, the client's own credentials go upstream unchanged.
  if (!hasKey && typeof headers.authorization === 'string') out.authorization = headers.authorization;
  return out;
}

function responseHeaders(res: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || (HOP_BY_HOP.has(k) && k !== 'content-length')) continue;
    out[k] = v;
  }
  return out;
}

type Attempt =
  | { kind: 'ok'; call: UpstreamCall; res: IncomingMessage; first: Buffer | null }
  | { kind: 'retry'; why: string; status?: number; body?: Buffer; headers?: Record<string, string | string[]> }
  | { kind: 'final'; res: IncomingMessage; call: UpstreamCall; first: Buffer | null };

const MAX_ERROR_BODY = 64 * 1024;

async function readSmall(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res) {
    const chunk = c as Buffer;
    size += chunk.length;
    if (size > MAX_ERROR_BODY) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Resolves with the first body chunk (null for an empty body); rejects if the response dies first. */
function firstChunk(res: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      cleanup();
      res.pause();
      resolve(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onClose = (): void => {
      cleanup();
      reject(new UpstreamError('UpstreamAborted', 'upstream closed before the first byte'));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err instanceof UpstreamError ? err : new UpstreamError('UpstreamAborted', err.message));
    };
    const cleanup = (): void => {
      res.off('data', onData);
      res.off('end', onEnd);
      res.off('close', onClose);
      res.off('error', onError);
    };
    res.on('data', onData);
    res.on('end', onEnd);
    res.on('close', onClose);
    res.on('error', onError);
  });
}

interface LiveStats {
  paired: number;
  cost: number;
  baselineCost: number;
  scored: number;
  score: number;
  baselineScore: number;
}

export async function startRouter(configInput: RouterConfig | RouterConfigInput, deps: RouterDeps): Promise<RouterHandle> {
  const config = parseRouterConfig(configInput);
  const env = deps.env ?? process.env;
  const apiKey = config.upstream.apiKeyEnv ? env[config.upstream.apiKeyEnv] : undefined;
  const upstream = new Upstream({ baseUrl: config.upstream.baseUrl, maxSockets: config.upstream.maxSockets, ...(apiKey ? { apiKey } : {}) });
  const metrics = createRouterMetrics(true);
  if (deps.cache) registerCacheMetrics(metrics, deps.cache.cache);
  const store = deps.store ?? (await openStore(config.store, env));
  const modelByName = new Map(config.models.map((m) => [m.name, m]));
  const aliases = new Set(config.policy.aliases);
  const decisionWindow = new LatencyWindow();
  const startedAt = new Date().toISOString();
  let model = deps.model;
  const live: LiveStats = { paired: 0, cost: 0, baselineCost: 0, scored: 0, score: 0, baselineScore: 0 };
  const baseline = config.policy.baselineModel;
  // Without a budget nothing is captured beyond the flywheel's samples.
  const governor = config.budget
    ? new BudgetGovernor(config.budget, config.policy.qualityThreshold === undefined ? config.policy.lambda : undefined)
    : undefined;
  const shareSpend = governor ? startSpendSharing(governor, store) : undefined;
  const isRouted = (r: FlywheelRecord): boolean => {
    const asked = (r.request as { model?: unknown } | null)?.model;
    return typeof asked === 'string' && aliases.has(asked);
  };

  const onRecord = (r: FlywheelRecord): void => {
    // Live routing numbers compare the router's own choices; records of clients that named a model train it
    // but say nothing about how well it routes.
    if (!isRouted(r)) return;
    const base = r.primary.model === baseline ? r.primary : r.shadows.find((s) => s.model === baseline);
    if (!base) return;
    live.paired++;
    live.cost += r.primary.costUsd;
    live.baselineCost += base.costUsd;
    if (r.primary.score !== null && base.score !== null) {
      live.scored++;
      live.score += r.primary.score;
      live.baselineScore += base.score;
    }
  };

  const flywheel = new Flywheel({
    config: config.flywheel,
    baselineModel: baseline,
    models: config.models,
    store,
    upstream,
    evaluator: createEvaluator(config.flywheel.evaluator, upstream),
    metrics,
    shadowTimeoutMs: config.upstream.totalTimeoutMs,
    onRecord,
    ...(deps.random ? { random: deps.random } : {}),
  });
  const trainer = new TrainerLoop(config, store, { current: () => model, swap: (m) => void (model = m) }, metrics, deps.trainer, deps.versions, deps.pinned);
  metrics.datasetSize.set(await store.count());

  /** A model trained on an external embedding cannot featurize by itself: embed first (async), then decide. */
  function needsEmbedding(m: RouterModel): m is LearnedRouterModel {
    return m instanceof LearnedRouterModel && !m.embedded && deps.embedding?.id === m.featureSpace;
  }

  async function decideEmbedded(request: ChatRequest, headers: IncomingHttpHeaders, m: LearnedRouterModel): Promise<{ decision: Decision; ms: number }> {
    const started = performance.now();
    const dr = decisionRequest(request, decisionHeaders(headers));
    let decision: Decision;
    try {
      const [features] = (await deps.embedding?.embed([dr.prompt])) ?? [];
      if (!features) throw new Error('embedding backend returned nothing');
      decision = m.decideWithFeatures(dr, features);
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'embedding failed; using the baseline model');
      decision = baselineDecision(m.version, 'EmbeddingFailed');
    }
    const ms = performance.now() - started;
    decisionWindow.record(ms);
    metrics.decisionSeconds.observe(ms / 1000);
    return { decision, ms };
  }

  function decisionHeaders(headers: IncomingHttpHeaders): { capabilities?: string; lambda?: string } {
    return {
      ...(typeof headers['x-router-require'] === 'string' ? { capabilities: headers['x-router-require'] } : {}),
      ...(typeof headers['x-router-lambda'] === 'string' ? { lambda: headers['x-router-lambda'] } : {}),
    };
  }

  function baselineDecision(version: string, reason: string): Decision {
    return { model: baseline, ranked: [{ model: baseline, expectedQuality: 0, expectedCost: 0, utility: 0 }], routerVersion: version, reason };
  }

  function decide(request: ChatRequest, headers: IncomingHttpHeaders): { decision: Decision; ms: number } {
    const requested = request.model;
    if (!aliases.has(requested)) {
      // A named model is what a demanding client means: pass it through, no substitution, no fallback.
      return {
        decision: {
          model: requested,
          ranked: [{ model: requested, expectedQuality: 0, expectedCost: 0, utility: 0 }],
          routerVersion: model.version,
          reason: modelByName.has(requested) ? 'PinnedByClient' : 'PassThrough',
        },
        ms: 0,
      };
    }
    const started = performance.now();
    let decision: Decision;
    try {
      decision = model.decide(decisionRequest(request, decisionHeaders(headers)));
      if (governor) decision = governor.apply(decision);
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'decision failed; using the baseline model');
      decision = baselineDecision(model.version, 'DecisionFailed');
    }
    const ms = performance.now() - started;
    decisionWindow.record(ms);
    metrics.decisionSeconds.observe(ms / 1000);
    return { decision, ms };
  }

  async function attempt(
    target: string,
    request: ChatRequest,
    headers: Record<string, string>,
    isLast: boolean,
    clientGone: () => boolean,
    onCall: (call: UpstreamCall | undefined) => void,
  ): Promise<Attempt> {
    const body = Buffer.from(JSON.stringify({ ...request, model: target }));
    const call = upstream.post('/chat/completions', body, headers);
    onCall(call);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      call.abort(new UpstreamError('UpstreamTimeout', `no first byte within ${config.upstream.firstByteTimeoutMs} ms`));
    }, config.upstream.firstByteTimeoutMs);
    try {
      const res = await call.response;
      const status = res.statusCode ?? 502;
      if ((status >= 500 || status === 429) && !isLast && !clientGone()) {
        const errBody = await readSmall(res).catch(() => Buffer.alloc(0));
        metrics.upstreamErrors.inc({ kind: status === 429 ? 'rate_limited' : 'server_error' });
        return { kind: 'retry', why: `status ${status}`, status, body: errBody, headers: responseHeaders(res) };
      }
      const first = await firstChunk(res);
      if (status >= 500 || status === 429) {
        metrics.upstreamErrors.inc({ kind: status === 429 ? 'rate_limited' : 'server_error' });
        return { kind: 'final', res, call, first };
      }
      return { kind: 'ok', call, res, first };
    } catch (err) {
      const reason = timedOut ? 'UpstreamTimeout' : err instanceof UpstreamError ? err.reason : 'UpstreamUnreachable';
      metrics.upstreamErrors.inc({ kind: reason === 'UpstreamTimeout' ? 'timeout' : 'connection' });
      call.abort();
      return { kind: 'retry', why: reason };
    } finally {
      clearTimeout(timer);
      onCall(undefined);
    }
  }

  async function handleChat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    let body: unknown;
    try {
      body = await readJson(req, config.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyError && err.reason === 'BodyAborted') return;
      metrics.badRequests.inc();
      if (err instanceof BodyError && err.reason === 'BodyTooLarge') return sendError(res, 413, err.message, 'body_too_large');
      return sendError(res, 400, errorMessage(err), 'invalid_json');
    }
    const parsed = parseChatRequest(body);
    if (!parsed.ok) {
      metrics.badRequests.inc();
      return sendError(res, 400, parsed.message, 'invalid_request', parsed.param);
    }
    const request = parsed.request;
    if (deps.cache && (await deps.cache.serve(request, req.headers, res))) return;
    const current = model;
    const { decision, ms } =
      aliases.has(request.model) && needsEmbedding(current) ? await decideEmbedded(request, req.headers, current) : decide(request, req.headers);
    const fwd = forwardHeaders(req.headers, Boolean(apiKey));
    const candidates = decision.ranked.map((r) => r.model);
    if (candidates.length === 0) candidates.push(decision.model);
    const limit = Math.min(candidates.length, 1 + config.upstream.maxFallbacks);
    const sampled = flywheel.sample() && (aliases.has(request.model) || (config.flywheel.sampleNamedModels && modelByName.has(request.model)));

    let clientGone = false;
    let inflight: UpstreamCall | undefined;
    res.on('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        inflight?.abort();
      }
    });

    let lastFailure: Extract<Attempt, { kind: 'retry' }> | undefined;
    let result: Extract<Attempt, { kind: 'ok' | 'final' }> | undefined;
    let used = candidates[0] ?? decision.model;
    let fallbacks = 0;
    for (let i = 0; i < limit && !clientGone; i++) {
      const target = candidates[i];
      if (!target) break;
      const a = await attempt(
        target,
        request,
        fwd,
        i === limit - 1,
        () => clientGone,
        (c) => (inflight = c),
      );
      if (a.kind === 'retry') {
        lastFailure = a;
        if (i < limit - 1) {
          fallbacks++;
          metrics.fallbacks.inc({ from: target });
        }
        continue;
      }
      used = target;
      result = a;
      break;
    }
    if (clientGone) {
      result?.call.abort();
      return;
    }
    const routerHeaders: Record<string, string> = {
      'x-router-model': used,
      'x-router-decision-ms': ms.toFixed(3),
      'x-router-version': decision.routerVersion,
      'x-router-reason': decision.reason,
      'x-router-fallbacks': String(fallbacks),
    };
    // A client may name any model; only configured ones become label values (bounded series count).
    metrics.requests.inc({ model: boundedLabel(used, modelByName), reason: decision.reason });
    if (!result) {
      if (lastFailure?.status && lastFailure.body && lastFailure.body.length > 0) {
        res.writeHead(lastFailure.status, { ...lastFailure.headers, 'content-length': String(lastFailure.body.length), ...routerHeaders });
        res.end(lastFailure.body);
        return;
      }
      const timedOut = lastFailure?.why === 'UpstreamTimeout';
      return sendError(
        res,
        timedOut ? 504 : 502,
        `no upstream model answered (${lastFailure?.why ?? 'unknown'}; tried ${candidates.slice(0, limit).join(', ')})`,
        timedOut ? 'upstream_timeout' : 'upstream_unavailable',
        null,
        routerHeaders,
      );
    }
    const succeeded = result.kind === 'ok' && (result.res.statusCode ?? 0) === 200;
    const expectedCost = decision.ranked.find((r) => r.model === used)?.expectedCost;
    relay(res, result, routerHeaders, {
      sampled: (sampled || governor !== undefined) && succeeded,
      onDone: (captured) => {
        const answer = captured ? parseCaptured(captured, result.res.headers['content-type']) : undefined;
        const dr = decisionRequest(request, {});
        // The budget governs what the router chooses: a request naming a model (which reaches the router when it
        // samples the pool's named traffic) is the client's choice and spends nothing of the router's budget.
        if (governor && succeeded && aliases.has(request.model)) {
          // Spend from the upstream's usage; the decision's estimate when the answer was too large to capture.
          const actual = answer ? costUsd(modelByName.get(used), answer.promptTokens ?? dr.promptTokens, answer.completionTokens ?? 0) : undefined;
          governor.recordSpend(actual ?? expectedCost ?? 0, expectedCost);
        }
        if (!answer || !sampled) return;
        flywheel.submit({
          prompt: dr.prompt,
          request: body as Record<string, unknown>,
          routerVersion: decision.routerVersion,
          model: used,
          answer,
          latencyMs: performance.now() - receivedAt,
          promptTokens: dr.promptTokens,
          requiredCapabilities: dr.requiredCapabilities ?? [],
        });
      },
    });
  }

  function relay(
    res: ServerResponse,
    result: Extract<Attempt, { kind: 'ok' | 'final' }>,
    routerHeaders: Record<string, string>,
    flywheelTap: { sampled: boolean; onDone: (captured: Buffer | undefined) => void },
  ): void {
    const up = result.res;
    const isSse = (up.headers['content-type'] ?? '').includes('text/event-stream');
    res.writeHead(up.statusCode ?? 502, { ...responseHeaders(up), ...routerHeaders });
    let captured: Buffer[] | undefined = flywheelTap.sampled ? [] : undefined;
    let capturedBytes = 0;
    const tap = (chunk: Buffer): void => {
      if (!captured) return;
      capturedBytes += chunk.length;
      if (capturedBytes > config.flywheel.maxCaptureBytes) captured = undefined;
      else captured.push(chunk);
    };
    if (result.first) tap(result.first);
    if (captured) up.on('data', tap);
    const totalTimer = setTimeout(
      () => result.call.abort(new UpstreamError('UpstreamTimeout', 'upstream exceeded totalTimeoutMs')),
      config.upstream.totalTimeoutMs,
    );
    let finished = false;
    const finish = (ok: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(totalTimer);
      if (ok && flywheelTap.sampled) flywheelTap.onDone(captured ? Buffer.concat(captured) : undefined);
    };
    res.on('close', () => {
      if (!finished) {
        result.call.abort();
        finish(false);
      }
    });

    // 'end' may already have fired while the first chunk was being awaited (a small body in one packet).
    const onUpstreamEnd = (fn: () => void): void => {
      if (up.readableEnded) fn();
      else up.once('end', fn);
    };
    if (!isSse) {
      if (up.readableEnded || (up.complete && up.readableLength === 0)) {
        // The common JSON case: the whole body arrived with the first chunk; one write carries head + body.
        up.resume();
        res.end(result.first ?? undefined);
        finish(true);
        return;
      }
      if (result.first) res.write(result.first);
      up.pipe(res, { end: false });
      onUpstreamEnd(() => {
        res.end();
        finish(true);
      });
      up.on('close', () => {
        if (!up.complete) {
          metrics.upstreamErrors.inc({ kind: 'cut' });
          res.destroy();
          finish(false);
        }
      });
      up.on('error', () => undefined);
      return;
    }

    const aligner = new SseEventAligner();
    let cut = false;
    aligner.pipe(res, { end: false });
    if (result.first) aligner.write(result.first);
    up.pipe(aligner, { end: false });
    onUpstreamEnd(() => aligner.end());
    up.on('error', () => undefined);
    up.on('close', () => {
      if (up.complete || cut) return;
      cut = true;
      metrics.upstreamErrors.inc({ kind: 'cut' });
      up.unpipe(aligner);
      aligner.discardTail();
      aligner.end();
    });
    aligner.on('end', () => {
      if (cut) {
        if (!res.destroyed) {
          const event = {
            error: { message: 'upstream stream ended before completion', type: 'server_error', param: null, code: 'upstream_stream_cut' },
          };
          res.end(`data: ${JSON.stringify(event)}\n\n`);
        }
        finish(false);
        return;
      }
      res.end();
      finish(true);
    });
  }

  async function status(): Promise<RouterStatus> {
    const serialized = model.serialize();
    const s: RouterStatus = {
      modelVersion: model.version,
      modelKind: serialized.kind,
      previousVersions: trainer.previousVersions(),
      startedAt,
      flywheel: {
        mode: config.flywheel.mode,
        sampleRate: config.flywheel.sampleRate,
        store: store.kind,
        datasetSize: await store.count(),
        queueDepth: flywheel.depth,
        queueCapacity: config.flywheel.queueSize,
      },
      holdout: trainer.holdout,
      live: {
        pairedRecords: live.paired,
        costPerRequest: live.paired ? live.cost / live.paired : null,
        baselineCostPerRequest: live.paired ? live.baselineCost / live.paired : null,
        costRatio: live.baselineCost > 0 ? live.cost / live.baselineCost : null,
        accuracy: live.scored ? live.score / live.scored : null,
        baselineAccuracy: live.scored ? live.baselineScore / live.scored : null,
      },
      decisionMs: decisionWindow.percentiles(),
      trainer: { ...trainer.state },
      budget: governor ? { ...governor.state(), ledger: store.kind } : null,
      policy: { lambda: config.policy.qualityThreshold === undefined ? config.policy.lambda : null, qualityThreshold: config.policy.qualityThreshold ?? null },
      cache: deps.cache ? cacheStatus(deps.cache.cache.stats()) : null,
      counters: {
        requests: await metricTotal(metrics.requests),
        fallbacks: await metricTotal(metrics.fallbacks),
        upstreamErrors: await metricTotal(metrics.upstreamErrors),
        badRequests: await metricTotal(metrics.badRequests),
        flywheelEnqueued: await metricTotal(metrics.flywheelEnqueued),
        flywheelDropped: await metricTotal(metrics.flywheelDropped),
        flywheelRecorded: await metricTotal(metrics.flywheelRecorded),
        flywheelFailed: await metricTotal(metrics.flywheelFailed),
      },
    };
    return routerStatusSchema.parse(s);
  }

  function modelsBody(): unknown {
    const created = Math.floor(Date.parse(startedAt) / 1000);
    return {
      object: 'list',
      data: [
        ...config.policy.aliases.map((id) => ({ id, object: 'model', created, owned_by: 'router' })),
        ...config.models.map((m) => ({ id: m.name, object: 'model', created, owned_by: 'pool' })),
      ],
    };
  }

  /** The API port, the only one behind the gateway: chat completions and the model list. */
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/v1/chat/completions' || path === '/chat/completions') {
      if (req.method !== 'POST') return sendError(res, 405, `use POST for ${path}`, 'method_not_allowed');
      return handleChat(req, res);
    }
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) return sendJson(res, 200, modelsBody());
    sendError(res, 404, `no route for ${req.method} ${path}`, 'not_found');
  }

  /** The admin port (config.admin): status, metrics, probes and the cache admin API, never behind the gateway. */
  async function adminRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/status') return sendJson(res, 200, await status());
    if (deps.cache && path && (await deps.cache.admin(req, res, path))) return;
    if (req.method === 'GET' && path === '/metrics') {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (req.method === 'GET' && (path === '/healthz' || path === '/readyz')) return sendJson(res, 200, { ok: true });
    sendError(res, 404, `no route for ${req.method} ${path}`, 'not_found');
  }

  const serve = (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Server => {
    const server = createServer((req, res) => {
      handler(req, res).catch((err: unknown) => {
        log.error({ err: errorMessage(err) }, 'router request failed');
        if (!res.headersSent) sendError(res, 500, 'internal router error', 'internal_error');
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    return server;
  };
  const listen = (server: Server, at: { host: string; port: number }) =>
    new Promise<{ url: string; port: number }>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        const addr = server.address() as AddressInfo;
        const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;
        resolve({ url: `http://${host}:${addr.port}`, port: addr.port });
      });
    });
  const server = serve(route);
  const adminServer = serve(adminRoute);
  const api = await listen(server, config.listen);
  const admin = await listen(adminServer, config.admin).catch(async (err: unknown) => {
    await new Promise((r) => server.close(r));
    throw err;
  });
  trainer.start();
  const closeServer = (srv: Server) =>
    new Promise<void>((resolve) => {
      srv.close(() => resolve());
      srv.closeIdleConnections();
      setTimeout(() => srv.closeAllConnections(), 2000).unref();
    });

  return {
    url: api.url,
    port: api.port,
    adminUrl: admin.url,
    adminPort: admin.port,
    config,
    metrics,
    store,
    flywheel,
    trainer,
    model: () => model,
    setModel: (m) => {
      model = m;
    },
    status,
    async close() {
      await Promise.all([closeServer(server), closeServer(adminServer)]);
      await trainer.stop();
      await flywheel.close();
      await shareSpend?.stop();
      upstream.close();
      if (!deps.store) await store.close();
    },
  };
}

const SPEND_SHARE_MS = 1000;

/**
 * Adds the governor's spend to the store's ledger every second and takes the total back (other replicas' spend,
 * or a previous process's in this window). A store that fails keeps the spend counted here until it answers.
 */
function startSpendSharing(governor: BudgetGovernor, store: FlywheelStore): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let failing = false;
  const share = (): Promise<void> => {
    const delta = governor.takeUnshared();
    return store.addSpend(delta).then(
      (total) => {
        governor.settle(delta, total);
        if (failing) log.info('budget spend shared through the flywheel store again');
        failing = false;
      },
      (err: unknown) => {
        governor.unsettled(delta);
        if (!failing) log.warn({ err: errorMessage(err) }, 'budget spend not shared (flywheel store): counted in this process until it answers');
        failing = true;
      },
    );
  };
  let busy = false;
  // One share at a time: a store that hangs must not pile up a share per second behind it.
  const tick = (): void => {
    if (busy) return;
    busy = true;
    running = share().finally(() => {
      busy = false;
    });
  };
  tick();
  const timer = setInterval(tick, SPEND_SHARE_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await share();
    },
  };
}
