import { z } from 'zod';

/**
 * ai-statistics plugin config (reference §5.5), read by `plugins/wasm-go/extensions/ai-statistics/main.go`
 * `parseConfig` (`wrapper.ParseConfig`: rule configs are whole configs). Each attribute is decoded with
 * Go's `json.Unmarshal` into `Attribute`, which ignores unknown keys; we do not. The console enables
 * `use_default_response_attributes` on each AI route (higress-console-objects.yaml).
 */
export const aiStatisticsAttributeSchema = z.strictObject({
  key: z.string().min(1),
  value_source: z.enum(['fixed_value', 'request_header', 'request_body', 'response_header', 'response_streaming_body', 'response_body']),
  /** Header name, gjson path or the fixed value, by `value_source`. */
  value: z.string(),
  trace_span_key: z.string().optional(),
  default_value: z.string().optional(),
  /** Streaming extraction; `parseConfig` rejects other values. */
  rule: z.enum(['first', 'replace', 'append']).optional(),
  apply_to_log: z.boolean().optional(),
  apply_to_span: z.boolean().optional(),
  as_separate_log_field: z.boolean().optional(),
});

export const aiStatisticsConfigSchema = z.strictObject({
  attributes: z.array(aiStatisticsAttributeSchema).optional(),
  /** Built-in rich attribute set (value limit 10 MB). */
  use_default_attributes: z.boolean().optional(),
  /** Built-in light set (value limit 4000): what the console enables. */
  use_default_response_attributes: z.boolean().optional(),
  disable_openai_usage: z.boolean().optional(),
  value_length_limit: z.int().positive().optional(),
  enable_path_suffixes: z.array(z.string().min(1)).optional(),
  enable_content_types: z.array(z.string().min(1)).optional(),
  session_id_header: z.string().min(1).optional(),
});
export type AiStatisticsConfig = z.infer<typeof aiStatisticsConfigSchema>;
export const aiStatisticsRuleConfigSchema = aiStatisticsConfigSchema;
