import { parseArgs } from 'node:util';
import { errorMessage } from '../util/errors.js';
import { createLogger } from '../util/log.js';
import { loadRouterConfigFile } from './config.js';
import { OpenAIEmbeddingsBackend } from './decision/embedding.js';
import { initialRouterModel } from './serve/initial-model.js';
import { startRouter } from './serve/server.js';
import { createTrainer } from './training/trainer-fn.js';
import { FsVersionStore } from './training/version-store.js';
import { openCache } from '../cache/runtime-config.js';

// `npm run router -- --config router.yaml` (or ROUTER_CONFIG=router.yaml). SIGTERM stops accepting,
// finishes in-flight answers and drains the flywheel queue before exiting.

const log = createLogger('router');

const { values } = parseArgs({ options: { config: { type: 'string' } } });
const path = values.config ?? process.env.ROUTER_CONFIG;
if (!path) {
  log.error('no config: pass --config FILE or set ROUTER_CONFIG');
  process.exit(2);
}

try {
  const config = loadRouterConfigFile(path);
  const { model, source, pinned } = await initialRouterModel(config);
  if (pinned && !pinned.found) log.warn({ pinned: pinned.version, available: pinned.available, serving: model.version }, 'pinned version not on the volume');
  const versions = new FsVersionStore(config.trainer.modelDir);
  const apiKey = config.upstream.apiKeyEnv ? process.env[config.upstream.apiKeyEnv] : undefined;
  const embedding =
    config.embedding.backend === 'openai'
      ? new OpenAIEmbeddingsBackend({
          baseUrl: config.embedding.baseUrl ?? config.upstream.baseUrl,
          model: config.embedding.model,
          ...(apiKey ? { apiKey } : {}),
        })
      : undefined;
  const prices = new Map(config.models.map((m) => [m.name, m]));
  const cache = config.cache ? await openCache(config.cache, { price: (m) => prices.get(m) }) : undefined;
  const router = await startRouter(config, {
    model,
    ...(pinned ? { pinned } : {}),
    ...(cache ? { cache } : {}),
    // One version store for the trainer's promotions and the loop's rollbacks.
    ...(config.trainer.enabled ? { trainer: createTrainer({ store: versions }), versions } : {}),
    ...(embedding ? { embedding } : {}),
  });
  log.info(
    { url: router.url, adminUrl: router.adminUrl, model: model.version, source, store: router.store.kind, flywheel: config.flywheel.mode },
    'router listening',
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'router stopping');
    void router.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  // Every error class carries a reason (ReasonError, KubeApiError, CacheStoreError, …).
  const reason = err instanceof Error && 'reason' in err && typeof err.reason === 'string' ? err.reason : 'RouterStartFailed';
  log.error({ reason, err: errorMessage(err) }, 'router failed to start');
  process.exit(1);
}
