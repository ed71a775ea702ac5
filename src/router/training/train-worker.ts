import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../../util/errors.js';
import type { FlywheelRecord } from '../types.js';
import { train, TrainingError, type TrainOptions } from './train.js';

// One training run on a worker thread (train-off-thread.ts starts it): the result goes back as a serialized
// model, a TrainingError as its reason code.

const { records, options } = workerData as { records: FlywheelRecord[]; options: TrainOptions };
try {
  parentPort?.postMessage({ ok: true, model: train(records, options).serialize() });
} catch (err) {
  parentPort?.postMessage({ ok: false, reason: err instanceof TrainingError ? err.reason : undefined, message: errorMessage(err) });
}
