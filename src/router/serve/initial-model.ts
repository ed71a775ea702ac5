import { readFile } from 'node:fs/promises';
import type { RouterConfig } from '../config.js';
import { coldStartModel } from '../decision/cold-start.js';
import { loadRouterModel } from '../decision/load.js';
import { policyFromConfig } from '../training/trainer-fn.js';
import { FsVersionStore } from '../training/version-store.js';
import type { RouterModel } from '../types.js';
import { parseSnapshot } from '../training/snapshot-codec.js';

// Which model a starting router serves: the last promoted version on its volume (so promotions survive
// restarts), else the configured snapshot, else the decision core's cold start. Candidates and policy
// always come from the current config, so an operator's λ change applies to a trained model too.

export async function initialRouterModel(config: RouterConfig): Promise<{ model: RouterModel; source: string }> {
  const overrides = { candidates: config.models, policy: policyFromConfig(config) };
  if (config.trainer.enabled) {
    const versions = new FsVersionStore(config.trainer.modelDir);
    const current = await versions.current().catch(() => null);
    if (current) return { model: loadRouterModel(await versions.load(current), overrides), source: `versionStore:${current}` };
  }
  if (config.initialModelPath) {
    const snapshot = parseSnapshot(await readFile(config.initialModelPath));
    return { model: loadRouterModel(snapshot, overrides), source: config.initialModelPath };
  }
  return {
    model: coldStartModel({ candidates: config.models, policy: overrides.policy, baselineModel: config.policy.baselineModel }),
    source: 'coldStart',
  };
}
