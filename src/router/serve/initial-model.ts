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

export interface PinnedModel {
  version: string;
  /** False: the volume has no such version, and the router serves what it would have without the pin. */
  found: boolean;
  /** The versions the volume has, oldest first (what a pin may name). */
  available: string[];
}

export async function initialRouterModel(config: RouterConfig): Promise<{ model: RouterModel; source: string; pinned?: PinnedModel }> {
  const overrides = { candidates: config.models, policy: policyFromConfig(config) };
  const pin = config.trainer.pinnedVersion;
  if (pin) {
    const versions = new FsVersionStore(config.trainer.modelDir);
    const available = (await versions.list().catch(() => [])).map((v) => v.version);
    if (available.includes(pin)) {
      return { model: loadRouterModel(await versions.load(pin), overrides), source: `pinned:${pin}`, pinned: { version: pin, found: true, available } };
    }
    return { ...(await unpinned(config, overrides)), pinned: { version: pin, found: false, available } };
  }
  return unpinned(config, overrides);
}

async function unpinned(
  config: RouterConfig,
  overrides: { candidates: RouterConfig['models']; policy: ReturnType<typeof policyFromConfig> },
): Promise<{ model: RouterModel; source: string }> {
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
