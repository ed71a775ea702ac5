import { parseArgs } from 'node:util';
import { createLogger } from '../util/log.js';
import { startSimulator } from './server.js';

// `npm run simulator -- --port 8090 --questions FILE.jsonl [--questions FILE2] --time-scale 0.01 --error-rate 0.05`

const log = createLogger('simulator');

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8090' },
    questions: { type: 'string', multiple: true },
    models: { type: 'string' },
    'time-scale': { type: 'string', default: '1' },
    'error-rate': { type: 'string', default: '0' },
    'rate-limit-rate': { type: 'string', default: '0' },
    'slow-first-byte-ms': { type: 'string', default: '0' },
    'cut-stream-rate': { type: 'string', default: '0' },
    seed: { type: 'string', default: '42' },
  },
});

const sim = await startSimulator({
  host: values.host,
  port: Number(values.port),
  ...(values.questions ? { questionFiles: values.questions } : {}),
  ...(values.models ? { modelsFile: values.models } : {}),
  timeScale: Number(values['time-scale']),
  seed: Number(values.seed),
  faults: {
    errorRate: Number(values['error-rate']),
    rateLimitRate: Number(values['rate-limit-rate']),
    slowFirstByteMs: Number(values['slow-first-byte-ms']),
    cutStreamRate: Number(values['cut-stream-rate']),
  },
});
log.info({ url: sim.url, questions: sim.questions.length, models: sim.models.map((m) => m.id) }, 'simulator listening');

const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
