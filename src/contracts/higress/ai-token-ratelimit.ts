import { z } from 'zod';

/**
 * ai-token-ratelimit plugin config (reference §5.6), read by
 * `plugins/wasm-go/extensions/ai-token-ratelimit/config/config.go` (`ParseAiTokenRateLimitConfig`,
 * `parseRedisConfig`, `parseGlobalThreshold`, `parseRuleItem`).
 */

/** Exactly one window (`parseGlobalThreshold` walks a Go map, so with several the one that counts is random; we demand one). */
const thresholdShape = {
  token_per_second: z.int().positive().optional(),
  token_per_minute: z.int().positive().optional(),
  token_per_hour: z.int().positive().optional(),
  token_per_day: z.int().positive().optional(),
};
const oneWindow = (t: Partial<Record<keyof typeof thresholdShape, number | undefined>>): boolean =>
  Object.keys(thresholdShape).filter((k) => t[k as keyof typeof thresholdShape] !== undefined).length === 1;

const thresholdSchema = z.strictObject(thresholdShape).refine(oneWindow, { message: 'set exactly one of token_per_second|minute|hour|day' });

/** `key`: a literal, `regexp:<re>`, `*`, or an IP/CIDR for `limit_by_per_ip`. */
const limitKeySchema = z
  .strictObject({ key: z.string().min(1), ...thresholdShape })
  .refine(oneWindow, { message: 'set exactly one of token_per_second|minute|hour|day' });

const LIMIT_BY = [
  'limit_by_header',
  'limit_by_param',
  'limit_by_consumer',
  'limit_by_cookie',
  'limit_by_per_header',
  'limit_by_per_param',
  'limit_by_per_consumer',
  'limit_by_per_cookie',
  'limit_by_per_ip',
] as const;

const ruleItemSchema = z
  .strictObject({
    limit_by_header: z.string().min(1).optional(),
    limit_by_param: z.string().min(1).optional(),
    /** Presence matters, the value is ignored (`parseRuleItem`); the consumer comes from `x-mse-consumer`. */
    limit_by_consumer: z.string().optional(),
    limit_by_cookie: z.string().min(1).optional(),
    limit_by_per_header: z.string().min(1).optional(),
    limit_by_per_param: z.string().min(1).optional(),
    limit_by_per_consumer: z.string().optional(),
    limit_by_per_cookie: z.string().min(1).optional(),
    limit_by_per_ip: z
      .string()
      .regex(/^(from-header-.+|from-remote-addr)$/, "limit_by_per_ip must be 'from-header-<name>' or 'from-remote-addr'")
      .optional(),
    limit_keys: z.array(limitKeySchema).min(1),
  })
  .refine((r) => LIMIT_BY.filter((k) => r[k] !== undefined).length === 1, { message: `set exactly one of ${LIMIT_BY.join(', ')}` });

/** `parseRedisConfig`: port defaults to 80 for `.static` services, else 6379; timeout ms (1000). */
export const ratelimitRedisSchema = z.strictObject({
  service_name: z.string().min(1),
  service_port: z.int().min(1).max(65535).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  timeout: z.int().positive().optional(),
  database: z.int().min(0).optional(),
});

export const aiTokenRatelimitConfigSchema = z
  .strictObject({
    /** Part of the Redis key: unique per limit. */
    rule_name: z.string().min(1),
    global_threshold: thresholdSchema.optional(),
    rule_items: z.array(ruleItemSchema).min(1).optional(),
    rejected_code: z.int().min(100).max(599).optional(),
    rejected_msg: z.string().optional(),
    redis: ratelimitRedisSchema,
  })
  .refine((c) => (c.global_threshold === undefined) !== (c.rule_items === undefined), {
    message: "exactly one of 'global_threshold' or 'rule_items' must be set",
    path: ['rule_items'],
  });
export type AiTokenRatelimitConfig = z.infer<typeof aiTokenRatelimitConfigSchema>;
/** `wrapper.ParseConfig`: a rule is a whole config. */
export const aiTokenRatelimitRuleConfigSchema = aiTokenRatelimitConfigSchema;
