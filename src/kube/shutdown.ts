import type { Logger } from 'pino';
import { createLogger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';

/** One named shutdown step, e.g. `stop informers`, `drain queue`, `release lease`. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

export interface ShutdownResult {
  /** Names of steps that failed or did not finish in time. */
  failed: string[];
  timedOut: boolean;
}

/**
 * Run steps in order, each failure logged and skipped, all within `timeoutMs` overall. Never throws:
 * a broken step must not keep the lease from being released.
 */
export async function runShutdown(steps: readonly ShutdownStep[], timeoutMs: number, log: Logger = createLogger('shutdown')): Promise<ShutdownResult> {
  const failed: string[] = [];
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const all = (async () => {
    for (const step of steps) {
      if (timedOut) return;
      try {
        await step.run();
        log.info({ step: step.name }, 'shutdown step done');
      } catch (e) {
        failed.push(step.name);
        log.error({ step: step.name, err: errorMessage(e) }, 'shutdown step failed');
      }
    }
  })();
  const outcome = await Promise.race([all.then(() => 'done' as const), deadline]);
  if (timer) clearTimeout(timer);
  if (outcome === 'timeout') {
    timedOut = true;
    log.error({ timeoutMs }, 'shutdown timed out');
  }
  return { failed, timedOut };
}

export interface SignalHandlerOptions {
  signals?: NodeJS.Signals[];
  timeoutMs?: number;
  logger?: Logger;
  /** Called after the steps finish (default `process.exit`): 0 on clean shutdown, 1 otherwise. */
  exit?: (code: number) => void;
}

/**
 * On the first SIGTERM/SIGINT run `steps` (stop informers → drain queue → release lease) and exit;
 * a second signal exits at once. Returns a function that removes the handlers.
 */
export function installShutdownHandlers(steps: readonly ShutdownStep[], opts: SignalHandlerOptions = {}): () => void {
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  const log = opts.logger ?? createLogger('shutdown');
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let started = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (started) {
      log.warn({ signal }, 'second signal; exiting now');
      exit(1);
      return;
    }
    started = true;
    log.info({ signal }, 'shutting down');
    void runShutdown(steps, opts.timeoutMs ?? 25_000, log).then((r) => exit(r.failed.length || r.timedOut ? 1 : 0));
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
