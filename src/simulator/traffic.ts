import { errorMessage } from '../util/errors.js';

// Client traffic for demos and tests: the simulator's own questions sent as OpenAI chat requests to a router
// (or gateway) under a virtual model name, so the router's flywheel has real work. Plain fetch on purpose:
// this runs inside `make demo`, where test-only client packages are not a dependency.

export interface TrafficOptions {
  /** Router or gateway OpenAI base URL, with /v1. */
  baseUrl: string;
  /** Where to read questions from (`GET /questions`). */
  simulatorUrl: string;
  model?: string;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Stop after this many requests (default: run until stopped). */
  limit?: number;
  /** Pause between a worker's requests. */
  pauseMs?: number;
}

export interface TrafficHandle {
  sent(): number;
  failed(): number;
  lastError(): string | undefined;
  /** Resolves when `limit` requests were sent, or after stop(). */
  done: Promise<void>;
  stop(): void;
}

export function startTraffic(opts: TrafficOptions): TrafficHandle {
  let sent = 0;
  let failed = 0;
  let lastError: string | undefined;
  let stopped = false;
  const limit = opts.limit ?? Infinity;
  const run = async (): Promise<void> => {
    const res = await fetch(`${opts.simulatorUrl.replace(/\/v1\/?$/, '')}/questions`);
    const { questions } = (await res.json()) as { questions: { question: string }[] };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!stopped && next < limit) {
        const q = questions[next++ % questions.length]!;
        try {
          const answer = await fetch(`${opts.baseUrl}/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: opts.model ?? 'auto', messages: [{ role: 'user', content: q.question }] }),
          });
          await answer.arrayBuffer();
          if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
          sent++;
        } catch (err) {
          failed++;
          lastError = errorMessage(err);
        }
        if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
  };
  return {
    sent: () => sent,
    failed: () => failed,
    lastError: () => lastError,
    done: run().catch((err: unknown) => {
      lastError = errorMessage(err);
    }),
    stop: () => {
      stopped = true;
    },
  };
}
