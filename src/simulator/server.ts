import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { createLogger } from '../util/log.js';
import { BodyError, contentText, readJson, sendError, sendJson } from '../router/serve/openai-http.js';
import { answerFor, estimateTokens, streamPieces } from './answers.js';
import { loadModels, loadQuestions, questionsPath, renderQuestion, routingDataDir, type QuestionRecord, type SimModel } from './data.js';
import { extractAnswerLetter, QuestionMatcher } from './matcher.js';
import { seededRandom } from '../util/random.js';

// A stand-in for a matrix of real LLMs behind one OpenAI-compatible endpoint, following the contract of the
// Higress semantic-routing challenge (#2946): chat completions, /v1/models, /v1/evaluate, /questions.

const log = createLogger('simulator');

export interface FaultConfig {
  /** Probability of an HTTP 500 before any byte. */
  errorRate?: number;
  /** Probability of an HTTP 429 before any byte. */
  rateLimitRate?: number;
  /** Extra delay before the response head, ms (not scaled). */
  slowFirstByteMs?: number;
  /** Probability that a streaming answer is cut (socket destroyed) halfway. */
  cutStreamRate?: number;
  /** Faults apply only to these models; absent = every model. */
  models?: string[];
}

export interface SimulatorOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Question files (JSONL, routing data format); default: train + dev of the data directory. */
  questionFiles?: string[];
  modelsFile?: string;
  /** Multiplies every simulated latency (0.01 = 100× faster, still proportional). */
  timeScale?: number;
  faults?: FaultConfig;
  /** Seed for fault dice, so fault runs are reproducible. */
  seed?: number;
}

export interface SimulatorHandle {
  url: string;
  port: number;
  models: SimModel[];
  questions: QuestionRecord[];
  setFaults(faults: FaultConfig): void;
  /** Chat completions served, per model. */
  requestCounts(): Record<string, number>;
  /** Chat responses still open (a client that went away must not leave any behind). */
  openResponses(): number;
  close(): Promise<void>;
}

const chatRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(z.object({ role: z.string(), content: z.unknown().optional() }).passthrough()).min(1),
  stream: z.boolean().optional().nullable(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().optional().nullable(),
});

const evaluateSchema = z.object({ question: z.string(), answer: z.string() });

const BODY_LIMIT = 4 * 1024 * 1024;

function headerFaults(req: IncomingMessage): FaultConfig | undefined {
  const kinds = req.headers['x-sim-fault'];
  if (typeof kinds !== 'string' || kinds.length === 0) return undefined;
  const set = new Set(kinds.split(',').map((k) => k.trim().toLowerCase()));
  const models = req.headers['x-sim-fault-model'];
  const slowMs = Number(req.headers['x-sim-slow-ms'] ?? 2000);
  return {
    errorRate: set.has('error') || set.has('500') ? 1 : 0,
    rateLimitRate: set.has('rate-limit') || set.has('429') ? 1 : 0,
    slowFirstByteMs: set.has('slow') ? slowMs : 0,
    cutStreamRate: set.has('cut') ? 1 : 0,
    ...(typeof models === 'string' ? { models: models.split(',').map((m) => m.trim()) } : {}),
  };
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const dir = opts.questionFiles && opts.modelsFile ? undefined : routingDataDir();
  const models = loadModels(opts.modelsFile ?? `${dir}/models.json`);
  const files = opts.questionFiles ?? [questionsPath('train', dir), questionsPath('dev', dir)];
  const questions = files.flatMap((f) => loadQuestions(f));
  const matcher = new QuestionMatcher(questions);
  const modelById = new Map(models.map((m) => [m.id, m]));
  const timeScale = opts.timeScale ?? 1;
  let faults: FaultConfig = opts.faults ?? {};
  const dice = seededRandom(opts.seed ?? 42);
  const counts: Record<string, number> = {};
  let open = 0;
  const created = Math.floor(Date.now() / 1000);

  const scaled = (ms: number): number => Math.max(0, ms * timeScale);

  function modelsBody(): unknown {
    return {
      object: 'list',
      data: models.map((m) => ({ id: m.id, object: 'model', created, owned_by: m.provider ?? 'simulator' })),
    };
  }

  function handleChat(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    const parsed = chatRequestSchema.safeParse(body);
    if (!parsed.success) {
      sendError(
        res,
        400,
        `invalid chat request: ${parsed.error.issues[0]?.message ?? 'bad shape'}`,
        'invalid_request',
        parsed.error.issues[0]?.path.join('.') ?? null,
      );
      return;
    }
    const request = parsed.data;
    const model = modelById.get(request.model);
    if (!model) {
      sendError(res, 404, `The model '${request.model}' does not exist`, 'model_not_found', 'model');
      return;
    }
    counts[model.id] = (counts[model.id] ?? 0) + 1;
    open++;
    const active = headerFaults(req) ?? faults;
    const applies = !active.models || active.models.includes(model.id);
    const roll = (p: number | undefined): boolean => applies && (p ?? 0) > 0 && dice() < (p ?? 0);
    const promptText = request.messages.map((m) => contentText(m.content)).join('\n');
    const userText = request.messages
      .filter((m) => m.role === 'user')
      .map((m) => contentText(m.content))
      .join('\n');
    const question = matcher.match(userText) ?? matcher.match(promptText);
    const answer = answerFor(model, question);
    const promptTokens = estimateTokens(promptText);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: answer.completionTokens,
      total_tokens: promptTokens + answer.completionTokens,
    };
    const id = `chatcmpl-sim-${randomUUID()}`;
    const ttft = scaled(model.ttftMs);
    const genMs = scaled((answer.completionTokens / model.outputTokensPerSecond) * 1000);
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, fn: () => void): void => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    };
    res.on('close', () => {
      open--;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    });
    const slow = applies ? (active.slowFirstByteMs ?? 0) : 0;

    const start = (): void => {
      if (roll(active.errorRate)) {
        sendError(res, 500, 'simulated upstream failure', 'simulated_error');
        return;
      }
      if (roll(active.rateLimitRate)) {
        sendError(res, 429, 'simulated rate limit', 'rate_limit_exceeded', null, { 'retry-after': '1' });
        return;
      }
      const base = { id, created: Math.floor(Date.now() / 1000), model: model.id };
      if (!request.stream) {
        later(ttft + genMs, () =>
          sendJson(res, 200, {
            ...base,
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: answer.content, refusal: null }, finish_reason: 'stop', logprobs: null }],
            usage,
          }),
        );
        return;
      }
      const cut = roll(active.cutStreamRate);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.flushHeaders();
      const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}): string =>
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...extra })}\n\n`;
      const pieces = streamPieces(answer.content, answer.completionTokens);
      const cutAt = cut ? Math.max(1, Math.floor(pieces.length / 2)) : -1;
      const startedAt = performance.now() + ttft;
      let next = 0;
      const emitDue = (): void => {
        if (res.destroyed) return;
        if (next === 0) res.write(chunk({ role: 'assistant', content: '' }, null));
        const now = performance.now();
        // Emit every piece whose scheduled time has come; timers are coarse, so batch by due time.
        while (next < pieces.length) {
          const due = startedAt + (genMs * (next + 1)) / pieces.length;
          if (due > now && next > 0) break;
          if (next === cutAt) {
            // Let the first half reach the client, then die like a crashed model server.
            later(20, () => res.destroy());
            return;
          }
          res.write(chunk({ content: pieces[next] }, null));
          next++;
        }
        if (next < pieces.length) {
          later(Math.max(1, startedAt + (genMs * (next + 1)) / pieces.length - performance.now()), emitDue);
          return;
        }
        res.write(chunk({}, 'stop', { usage }));
        if (request.stream_options?.include_usage) {
          res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
        }
        res.end('data: [DONE]\n\n');
      };
      later(ttft, emitDue);
    };
    if (slow > 0) later(slow, start);
    else start();
  }

  function handleEvaluate(res: ServerResponse, body: unknown): void {
    const parsed = evaluateSchema.safeParse(body);
    if (!parsed.success) {
      sendJson(res, 200, { score: -1 });
      return;
    }
    const q = matcher.match(parsed.data.question);
    if (!q || parsed.data.answer.trim().length === 0) {
      sendJson(res, 200, { score: -1 });
      return;
    }
    const letter = extractAnswerLetter(parsed.data.answer);
    sendJson(res, 200, { score: letter === q.answer ? 1 : 0 });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, modelsBody());
    if (req.method === 'GET' && path === '/questions') {
      return sendJson(res, 200, {
        questions: questions.map((q) => ({ id: q.id, question: renderQuestion(q), category: q.category })),
      });
    }
    if (req.method === 'GET' && path === '/healthz') return sendJson(res, 200, { ok: true });
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/evaluate')) {
      let body: unknown;
      try {
        body = await readJson(req, BODY_LIMIT);
      } catch (err) {
        if (err instanceof BodyError) {
          if (err.reason === 'BodyAborted') return;
          return sendError(res, err.reason === 'BodyTooLarge' ? 413 : 400, err.message, err.reason === 'BodyTooLarge' ? 'body_too_large' : 'invalid_json');
        }
        throw err;
      }
      if (path === '/v1/evaluate') return handleEvaluate(res, body);
      return handleChat(req, res, body);
    }
    sendError(res, 404, `no route for ${req.method} ${path}`, 'not_found');
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log.error({ err }, 'simulator request failed');
      if (!res.headersSent) sendError(res, 500, 'internal simulator error', 'internal_error');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  log.debug({ port: addr.port, questions: questions.length, models: models.length }, 'simulator listening');
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    models,
    questions,
    setFaults(f) {
      faults = f;
    },
    requestCounts: () => ({ ...counts }),
    openResponses: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
