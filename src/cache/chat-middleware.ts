import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { stableStringify } from '../kube/object.js';
import { createLogger } from '../util/log.js';
import { tokenMatches } from '../util/token.js';
import { errorMessage } from '../util/errors.js';
import { keyRequest, type ChatMessageLike, type KeyedRequest } from './request-key.js';
import { replayJson, replaySse, replyFromJson, replyFromSse } from './reply-codec.js';
import type { Invalidation, SemanticCache } from './semantic-cache.js';

// The cache as the router runtime sees it: one call before routing (`serve`: replay a verified hit, or
// arrange to record the reply about to be sent) and the admin endpoints under /cache/. The router
// stays unaware of keys, verification and storage.

const log = createLogger('cache-http');

/** Higress key-auth / jwt-auth put the authenticated consumer's name in this header (key_auth/plugin.cc). */
export const CONSUMER_HEADER = 'x-mse-consumer';
/** The ai-cache plugin's bypass header, honoured here too so one switch works for both caches. */
export const SKIP_HEADER = 'x-higress-skip-ai-cache';
const MAX_CAPTURE_BYTES = 1024 * 1024;

export interface ChatRequestLike {
  model: string;
  messages: ChatMessageLike[];
  stream?: boolean | null | undefined;
  [k: string]: unknown;
}

/** Who is asking: the gateway's consumer name, else a hash of the bearer credential, else anonymous. */
export function consumerOf(headers: IncomingHttpHeaders): string {
  const named = headers[CONSUMER_HEADER];
  if (typeof named === 'string' && named) return named;
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth) return `key-${createHash('sha256').update(auth).digest('hex').slice(0, 16)}`;
  return 'anonymous';
}

/**
 * Tools (or the older functions), several choices or token log-probabilities make an answer not reusable: a
 * replayed tool call would re-run a side effect, and a replay has one choice and no log-probabilities.
 */
function cacheable(request: ChatRequestLike): boolean {
  if (Array.isArray(request.tools) && request.tools.length > 0) return false;
  if (Array.isArray(request.functions) && request.functions.length > 0) return false;
  if (typeof request.n === 'number' && request.n > 1) return false;
  if (request.logprobs === true) return false;
  return true;
}

/** The request's Cache-Control directives, lower-cased, without arguments (`max-age=0` → `max-age`). */
function cacheControl(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    text
      .split(',')
      .map((d) => d.split('=')[0]!.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * Parameters that change what a right answer looks like (OpenAI chat completions): the same question asked for
 * JSON, within 50 tokens or with a stop sequence is another request. Sampling parameters (temperature, top_p,
 * seed) are not here: any good answer to the question is one the client accepts.
 */
const ANSWER_SHAPING = [
  'response_format',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'logit_bias',
  'reasoning_effort',
  'modalities',
  'audio',
  'prediction',
];

export function answerShape(request: ChatRequestLike): string {
  const shaping = ANSWER_SHAPING.filter((k) => request[k] !== undefined && request[k] !== null).map((k) => [k, request[k]]);
  return shaping.length > 0 ? stableStringify(Object.fromEntries(shaping)) : '';
}

function promptChars(messages: readonly ChatMessageLike[]): number {
  return messages.reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0);
}

export class CacheMiddleware {
  constructor(
    readonly cache: SemanticCache,
    private readonly adminToken?: string | undefined,
  ) {}

  /**
   * Before routing: true when a cached reply was sent (the caller stops); false when the request goes
   * upstream, in which case the reply written to `res` is recorded once it finishes with 200.
   */
  async serve(request: ChatRequestLike, headers: IncomingHttpHeaders, res: ServerResponse): Promise<boolean> {
    if (headers[SKIP_HEADER] === 'on' || !cacheable(request)) return false;
    const keyed = keyRequest(consumerOf(headers), request.model, request.messages, answerShape(request));
    if (!keyed) return false;
    const directives = cacheControl(headers['cache-control']);
    // no-cache: a fresh answer, which then replaces the cached one (RFC 9111 §5.2.1.4); no-store: nothing kept.
    if (directives.has('no-cache')) {
      res.setHeader('x-cache', 'bypass');
      if (!directives.has('no-store')) this.record(keyed, request, res, undefined);
      return false;
    }
    let result;
    try {
      result = await this.cache.lookup(keyed);
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'cache lookup failed; going upstream');
      return false;
    }
    if (result.hit) {
      const id = `chatcmpl-cache-${randomUUID()}`;
      const cacheHeaders = {
        'x-cache': `hit-${result.kind}`,
        'x-cache-score': result.score.toFixed(4),
        'x-cache-key': result.entry.key,
      };
      if (request.stream) {
        const includeUsage = (request.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...cacheHeaders });
        for (const frame of replaySse(result.entry.reply, id, { includeUsage })) res.write(frame);
        res.end();
      } else {
        const body = replayJson(result.entry.reply, id);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...cacheHeaders });
        res.end(body);
      }
      return true;
    }
    res.setHeader('x-cache', 'miss');
    if (!directives.has('no-store')) this.record(keyed, request, res, result.vector);
    return false;
  }

  /** Tees what the router writes to `res`; stores it when the exchange ends with a complete 200 reply. */
  private record(keyed: KeyedRequest, request: ChatRequestLike, res: ServerResponse, vector: Float32Array | undefined): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    const tee = (chunk: unknown, encoding?: unknown): void => {
      if (overflow || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      size += buf.length;
      if (size > MAX_CAPTURE_BYTES) overflow = true;
      else chunks.push(buf);
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    (res as { write: unknown }).write = (...args: unknown[]): boolean => {
      tee(args[0], args[1]);
      return write(...args);
    };
    (res as { end: unknown }).end = (...args: unknown[]): ServerResponse => {
      tee(args[0], args[1]);
      return end(...args);
    };
    res.once('finish', () => {
      if (overflow || res.statusCode !== 200) return;
      const raw = Buffer.concat(chunks).toString('utf8');
      const isSse = String(res.getHeader('content-type') ?? '').includes('text/event-stream');
      let reply;
      try {
        reply = isSse ? replyFromSse(raw, promptChars(request.messages)) : replyFromJson(JSON.parse(raw), promptChars(request.messages));
      } catch {
        return;
      }
      if (!reply) return;
      this.cache.store(keyed, reply, vector).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'cache store failed'));
    });
  }

  /** `/cache/stats` (GET), `/cache/invalidate` and `/cache/feedback` (POST). False when the path is not ours. */
  async admin(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (!path.startsWith('/cache/')) return false;
    const send = (status: number, body: unknown): void => {
      const payload = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) });
      res.end(payload);
    };
    // No token configured: open (the admin port is never behind the gateway). Configured but empty: closed.
    const allowed = this.adminToken === undefined || (this.adminToken !== '' && tokenMatches(`Bearer ${this.adminToken}`, req.headers.authorization));
    if (!allowed) {
      send(401, { error: { message: 'cache admin needs the admin bearer token', type: 'invalid_request_error', param: null, code: 'unauthorized' } });
      return true;
    }
    if (req.method === 'GET' && path === '/cache/stats') {
      send(200, this.cache.stats());
      return true;
    }
    if (req.method !== 'POST' || (path !== '/cache/invalidate' && path !== '/cache/feedback')) {
      send(404, { error: { message: `no route for ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: 'not_found' } });
      return true;
    }
    let body: Record<string, unknown>;
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      send(400, { error: { message: 'body must be JSON', type: 'invalid_request_error', param: null, code: 'invalid_json' } });
      return true;
    }
    if (path === '/cache/feedback') {
      if (typeof body.key !== 'string' || typeof body.score !== 'number') {
        send(400, {
          error: {
            message: "feedback needs 'key' and 'score' (from the x-cache-key / x-cache-score headers of the wrong hit)",
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_request',
          },
        });
        return true;
      }
      send(200, { updated: await this.cache.reportWrong(body.key, body.score) });
      return true;
    }
    const what = invalidationOf(body);
    if (!what) {
      send(400, {
        error: {
          message: "invalidate needs one of 'key', 'prefix', 'consumer' (+ optional 'model') or 'all: true'",
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_request',
        },
      });
      return true;
    }
    send(200, { removed: await this.cache.invalidate(what) });
    return true;
  }
}

function invalidationOf(body: Record<string, unknown>): Invalidation | undefined {
  if (typeof body.key === 'string' && body.key) return { key: body.key };
  if (typeof body.prefix === 'string' && body.prefix) return { prefix: body.prefix };
  if (typeof body.consumer === 'string' && body.consumer) return { consumer: body.consumer, model: typeof body.model === 'string' ? body.model : undefined };
  if (body.all === true) return { all: true };
  return undefined;
}
