import { z } from 'zod';

/**
 * model-mapper plugin config (reference §5.3), read by `plugins/wasm-go/extensions/model-mapper/main.go`
 * `parseConfig` (`wrapper.ParseConfig`: a rule config is a whole config, nothing inherited). The console
 * attaches one rule per (AI route, upstream service) pair to rename the body model for that upstream.
 */
export const modelMapperConfigSchema = z.strictObject({
  /** gjson path of the model in the body; default `model`. */
  modelKey: z.string().min(1).optional(),
  /** Exact keys, `prefix*` keys and a `*` fallback, as in ai-proxy. */
  modelMapping: z.record(z.string(), z.string()).optional(),
  enableOnPathSuffix: z.array(z.string().min(1)).optional(),
});
export type ModelMapperConfig = z.infer<typeof modelMapperConfigSchema>;
export const modelMapperRuleConfigSchema = modelMapperConfigSchema;
