import { z } from 'zod';

/**
 * model-router plugin config (reference §5.2), read by `plugins/wasm-go/extensions/model-router/main.go`
 * `parseConfig`. The console's `spec.yaml` also shows an `enable` flag (the C++ variant,
 * `plugins/wasm-cpp/extensions/model_router/plugin.cc`, does not read it either), so it is not accepted.
 */
const autoRoutingSchema = z.strictObject({
  enable: z.boolean(),
  defaultModel: z.string().min(1).optional(),
  /** Go regexps tried in order against the last user message; the hit's model goes to `x-higress-llm-model`. */
  rules: z.array(z.strictObject({ pattern: z.string().min(1), model: z.string().min(1) })).optional(),
});

export const modelRouterConfigSchema = z.strictObject({
  /** gjson path of the model in the body; default `model`. */
  modelKey: z.string().min(1).optional(),
  /** Header the model is copied into (conventionally `x-higress-llm-model`, which the model routes match). */
  modelToHeader: z.string().min(1).optional(),
  /** `provider/model` ⇒ provider into this header, body model rewritten to the part after `/`. */
  addProviderHeader: z.string().min(1).optional(),
  /** Only these path suffixes are processed; `*` = all. */
  enableOnPathSuffix: z.array(z.string().min(1)).optional(),
  autoRouting: autoRoutingSchema.optional(),
});
export type ModelRouterConfig = z.infer<typeof modelRouterConfigSchema>;

/** model-router parses rule configs like the global one (`wrapper.ParseConfig`, no override). */
export const modelRouterRuleConfigSchema = modelRouterConfigSchema;
