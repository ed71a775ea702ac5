// The operator as a real process, killed with SIGKILL after HiMarket stored the product but before the
// answer (and so before the id reached the annotation or status): the restarted operator must find that
// product by exact name + ownership marker and finish the job with exactly one product.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { PRODUCT_ID_ANNOTATION } from '../../src/api/v1alpha1/publish.js';
import {
  createPool,
  ensureConsoleRoute,
  poolSpec,
  publishedReason,
  startHiMarketEnv,
  waitConnection,
  waitPublish,
  type HiMarketEnv,
} from './himarket-fixture.js';
import { waitFor } from './support/kube.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator-process.js';

let env: HiMarketEnv;
let child: OperatorProcess | undefined;
const startOperator = () => startOperatorProcess({ name: 'hm-restart', args: ['--no-leader-elect'], logLevel: 'error' });

beforeAll(async () => {
  env = await startHiMarketEnv('hm-restart');
});
afterEach(async () => {
  await child?.kill('SIGTERM');
  child = undefined;
});
afterAll(async () => {
  await env?.stop();
});

describe('operator kill -9 mid-sync', () => {
  it('ends with exactly one product, found again and recorded after the restart', async () => {
    let killedAt: string | undefined;
    env.himarket.faults.afterCreate = async (productId) => {
      delete env.himarket.faults.afterCreate;
      await child?.kill('SIGKILL');
      killedAt = productId;
      return 'drop' as const;
    };
    child = await startOperator();
    await waitConnection(env, 'Connected', 120_000);
    await createPool(env.ns, 'crash', poolSpec(env.gw, { publish: { connectionRef: { name: env.connection } } }));
    await waitFor(() => killedAt, { timeoutMs: 120_000, description: 'operator killed right after HiMarket stored the product' });
    expect(child.proc.signalCode).toBe('SIGKILL');

    child = await startOperator();
    // A cold operator process (tsx compiling on a busy machine) can take a while to write the pool's status.
    await ensureConsoleRoute(env.ns, 'crash', env.gw, 120_000);
    const pool = await waitPublish(env.ns, 'crash', (p) => publishedReason(p) === 'Published', 'Published after restart', 120_000);
    expect(env.himarket.productsNamed(`${env.ns}-crash`)).toHaveLength(1);
    expect(pool.status!.publish!.productId).toBe(killedAt);
    expect(pool.metadata.annotations?.[PRODUCT_ID_ANNOTATION]).toBe(killedAt);
  }, 300_000);
});
