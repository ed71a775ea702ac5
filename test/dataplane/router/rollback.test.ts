import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { numbersFrom } from '../../../src/reconcilers/semanticrouter-status.js';
import { startRouter } from '../../../src/router/serve/server.js';
import type { TrainerFn } from '../../../src/router/serve/trainer-loop.js';
import type { RouterModelVersionStore } from '../../../src/router/training/version-store.js';
import { renderQuestion } from '../../../src/simulator/data.js';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.js';
import { FixedOrderModel, routerConfig } from './helpers.js';

// Issue 13: the promotion's rollback path has a trigger. A promoted model is on probation; on the traffic
// it routes itself (scored by the flywheel against every candidate), the previous model is replayed, and
// when it was better by the configured margin the previous model serves again.

const GOOD = 'gpt-4o-2024-05-13';
const BAD = 'phi-3-mini-4k-instruct';
let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.002 });
});
afterAll(async () => sim.close());

describe('rollback after a promotion that does worse online', () => {
  it('serves the previous model again, rolls the version store back and says so in /status', async () => {
    const good = new FixedOrderModel([GOOD], 'good');
    const bad = new FixedOrderModel([BAD], 'bad');
    let promoted = false;
    // Stands in for a trainer whose holdout happened to favour the worse model.
    const trainer: TrainerFn = () =>
      Promise.resolve(
        promoted ? { outcome: 'CandidateLost' } : ((promoted = true), { outcome: 'Promoted', model: bad, margin: 0.01, candidateVersion: 'bad' }),
      );
    const versionRollbacks: number[] = [];
    const versions = { rollback: () => Promise.resolve((versionRollbacks.push(1), 'good')) } as unknown as RouterModelVersionStore;
    const router = await startRouter(
      routerConfig(sim.url, sim.models, {
        flywheel: { mode: 'data-generation', sampleRate: 1, fanOut: 'all' },
        trainer: { enabled: true, minNewRecords: 100_000, checkIntervalMs: 3_600_000, rollback: { enabled: true, margin: 0.05, minRecords: 12 } },
      }),
      { model: good, trainer, versions },
    );
    try {
      await router.trainer.maybeRun(true);
      expect((await router.status()).trainer).toMatchObject({
        lastOutcome: 'Promoted',
        probation: { version: 'bad', previousVersion: 'good', verdict: 'Pending' },
      });

      // Questions the previous model answers right and the promoted one wrong: the regression is certain.
      const questions = sim.questions.filter((q) => q.results[GOOD]?.correct && !q.results[BAD]?.correct).slice(0, 15);
      expect(questions).toHaveLength(15);
      const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'x', maxRetries: 0 });
      for (const q of questions) await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: renderQuestion(q) }] });
      await router.flywheel.drain();
      await router.trainer.maybeRun();

      const status = await router.status();
      expect(status.modelVersion).toBe('good');
      expect(status.trainer).toMatchObject({
        lastOutcome: 'RolledBack',
        rollbacks: 1,
        probation: null,
        lastRollback: { from: 'bad', to: 'good', trigger: 'OnlineRegression', margin: 1, records: 15 },
      });
      expect(versionRollbacks).toEqual([1]);
      // What the operator makes of it (SemanticRouter status.lastPromotion).
      expect(numbersFrom(status).lastPromotion).toMatchObject({
        outcome: 'RolledBack',
        version: 'good',
        message: expect.stringContaining('rolled back from bad'),
      });
      // The next request is routed by the previous model again.
      const next = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: renderQuestion(questions[0]!) }] });
      expect(next.model).toBe(GOOD);
    } finally {
      await router.close();
    }
  });
});
