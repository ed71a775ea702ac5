import { Worker } from 'node:worker_threads';
import { errorMessage } from '../../util/errors.js';
import { createLogger } from '../../util/log.js';
import { loadRouterModel } from '../decision/load.js';
import type { FlywheelRecord, RouterModel, SerializedRouterModel } from '../types.js';
import { train, TrainingError, type TrainOptions } from './train.js';

// Training is synchronous SGD over every record: on the router's event loop it stalls every request and
// /status for its whole duration (4,178 demo records took 36 s on a busy 2-core machine, and the operator
// reported the router unreachable). So the serving router trains on a worker thread and only loads the
// result. The worker is the same code; the snapshot round trip is lossless (reproducible.test.ts).

const log = createLogger('router.trainer');

type WorkerReply = { ok: true; model: SerializedRouterModel } | { ok: false; reason?: TrainingError['reason']; message: string };

/** The worker module could not be loaded (a .ts source without a TypeScript loader, as under jest). */
const cannotLoad = (err: unknown) => ['ERR_MODULE_NOT_FOUND', 'ERR_UNKNOWN_FILE_EXTENSION', 'ERR_WORKER_PATH'].includes((err as { code?: string }).code ?? '');

export function trainOffThread(records: readonly FlywheelRecord[], options: TrainOptions): Promise<RouterModel> {
  const url = new URL(`./train-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);
  const inline = (why: unknown): RouterModel => {
    log.warn({ err: errorMessage(why) }, 'training worker unavailable; training on the event loop');
    return train(records, options);
  };
  let worker: Worker;
  try {
    // From sources (tsx, jest) the worker needs the TypeScript loader too; built code runs the .js file.
    const execArgv = url.pathname.endsWith('.ts') ? ['--import', 'tsx'] : undefined;
    worker = new Worker(url, { workerData: { records, options }, ...(execArgv ? { execArgv } : {}) });
  } catch (err) {
    if (cannotLoad(err)) return Promise.resolve().then(() => inline(err));
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  return new Promise<RouterModel>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
    };
    worker.once('message', (m: WorkerReply) =>
      settle(() => {
        void worker.terminate();
        if (m.ok) resolve(loadRouterModel(m.model));
        else reject(m.reason ? new TrainingError(m.reason, m.message) : new Error(m.message));
      }),
    );
    worker.once('error', (err) =>
      settle(() => {
        if (!cannotLoad(err)) return reject(err instanceof Error ? err : new Error(String(err)));
        try {
          resolve(inline(err));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      }),
    );
    worker.once('exit', (code) => settle(() => reject(new Error(`training worker exited with code ${code} before answering`))));
  });
}
