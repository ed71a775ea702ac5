// The contract between the router's serving shell (proxy, flywheel, status) and its decision core
// (featurizer, predictor, policy, trainer). Both sides import only from here.

/** A model the router may choose, with what the policy needs to know about it. */
export interface CandidateModel {
  /** Public model name sent upstream in the `model` field. */
  name: string;
  /** USD per 1M input tokens. */
  pricePer1MInput: number;
  /** USD per 1M output tokens. */
  pricePer1MOutput: number;
  /** Largest prompt+completion the model accepts, in tokens; absent = unbounded. */
  contextWindow?: number;
  /** Free-form capability tags (e.g. "code", "vision", "tools") a request may require. */
  capabilities?: string[];
}

export interface DecisionRequest {
  /** The text the decision is made on (usually the last user message, possibly with the system prompt). */
  prompt: string;
  /** Estimated prompt tokens; used for context-window constraints and input cost. */
  promptTokens: number;
  /** Capabilities every eligible model must have. */
  requiredCapabilities?: string[];
  /** Per-request override of the cost/quality knob. */
  lambda?: number;
}

export interface RankedModel {
  model: string;
  /** Predicted probability that the model's answer is correct/acceptable, 0..1. */
  expectedQuality: number;
  /** Predicted USD cost of answering with this model. */
  expectedCost: number;
  /** The policy's utility; higher is better. Ranked list is sorted by it, descending. */
  utility: number;
}

export interface Decision {
  /** The chosen model (= ranked[0].model). */
  model: string;
  /** Every eligible model, best first: the serving shell falls back down this list. */
  ranked: RankedModel[];
  /** Version of the router model that decided. */
  routerVersion: string;
  /** Why, in CamelCase (e.g. "Learned", "ColdStartPrior", "OnlyEligibleModel"). */
  reason: string;
}

/** A trained, immutable decision model. `decide` must be synchronous and allocation-light (≤ 0.5 ms p99). */
export interface RouterModel {
  readonly version: string;
  decide(request: DecisionRequest): Decision;
  /** A JSON-safe snapshot that `loadRouterModel` (decision core) turns back into a RouterModel. */
  serialize(): SerializedRouterModel;
}

export interface SerializedRouterModel {
  kind: string;
  version: string;
  createdAt: string;
  payload: unknown;
}

/** One answer observed by the flywheel. */
export interface ObservedAnswer {
  model: string;
  output: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Evaluator score 0..1; null when the evaluator could not score it (e.g. returned -1). */
  score: number | null;
}

/** One durable flywheel record: the user's answer (A) and the baseline/shadow answers (B…). */
export interface FlywheelRecord {
  id: string;
  createdAt: string;
  /** The text decisions are made on, as in DecisionRequest.prompt. */
  prompt: string;
  /** The full OpenAI request body as received (model field as the client sent it). */
  request: unknown;
  routerVersion: string;
  primary: ObservedAnswer;
  shadows: ObservedAnswer[];
}
