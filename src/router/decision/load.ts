import type { CandidateModel, RouterModel, SerializedRouterModel } from '../types.js';
import { LEARNED_MODEL_KIND, LearnedRouterModel } from './learned-model.js';
import type { PolicyConfig } from './policy.js';
import { PRIOR_MODEL_KIND, PriorRouterModel, type PriorConfig } from './prior-model.js';
import { ReasonError } from '../../util/errors.js';

export class RouterModelLoadError extends ReasonError<'UnknownRouterModelKind' | 'MalformedRouterModel'> {}

/** Turns a snapshot written by `RouterModel.serialize()` back into a RouterModel. */
export function loadRouterModel(serialized: SerializedRouterModel, overrides: { candidates?: CandidateModel[]; policy?: PolicyConfig } = {}): RouterModel {
  if (typeof serialized !== 'object' || serialized === null || typeof serialized.kind !== 'string') {
    throw new RouterModelLoadError('MalformedRouterModel', 'router model snapshot has no kind');
  }
  try {
    switch (serialized.kind) {
      case LEARNED_MODEL_KIND: {
        const model = LearnedRouterModel.deserialize(serialized);
        return overrides.candidates || overrides.policy ? model.withOverrides(overrides) : model;
      }
      case PRIOR_MODEL_KIND: {
        const config = serialized.payload as PriorConfig;
        return new PriorRouterModel({
          ...config,
          version: serialized.version,
          candidates: overrides.candidates ?? config.candidates,
          policy: overrides.policy ?? config.policy,
        });
      }
      default:
        throw new RouterModelLoadError('UnknownRouterModelKind', `unknown router model kind ${serialized.kind}`);
    }
  } catch (err) {
    if (err instanceof RouterModelLoadError) throw err;
    throw new RouterModelLoadError('MalformedRouterModel', `cannot load router model: ${String(err)}`);
  }
}
