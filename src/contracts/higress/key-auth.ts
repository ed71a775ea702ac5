import { z } from 'zod';

/**
 * key-auth plugin config (reference §5.7). The console writes the C++ build's form (image
 * `plugins/key-auth:2.0.0`, inferred from its schema): read by `plugins/wasm-cpp/extensions/key_auth/plugin.cc`
 * `parsePluginConfig` (keys, realm, in_query, in_header, consumers[], legacy top-level credentials) and
 * `plugins/wasm-cpp/common/route_rule_matcher.h` (`global_auth`, `allow`). The Go build
 * (`plugins/wasm-go/extensions/key-auth/main.go`) reads the same names minus per-consumer lists.
 */

/** One consumer: `credential` (one) or `credentials` (list), never both (`plugin.cc` rejects that). */
export const keyAuthConsumerSchema = z
  .strictObject({
    name: z.string().min(1),
    credential: z.string().min(1).optional(),
    credentials: z.array(z.string().min(1)).min(1).optional(),
    /** Per-consumer key names (C++ build); the console writes `Authorization` for bearer sources. */
    keys: z.array(z.string().min(1)).min(1).optional(),
    in_header: z.boolean().optional(),
    in_query: z.boolean().optional(),
  })
  .refine((c) => (c.credential === undefined) !== (c.credentials === undefined), {
    message: 'a consumer needs exactly one of credential or credentials',
    path: ['credentials'],
  });

export const keyAuthConfigSchema = z
  .strictObject({
    /** true ⇒ every route needs a key; false ⇒ only routes with a rule (the console writes false). */
    global_auth: z.boolean().optional(),
    /** Consumer names allowed; empty = nobody (the console keeps `[]` at the global level). */
    allow: z.array(z.string().min(1)).optional(),
    /** Header or query names the key is read from; the console keeps a placeholder `x-higress-dummy-key`. */
    keys: z.array(z.string().min(1)).optional(),
    in_header: z.boolean().optional(),
    in_query: z.boolean().optional(),
    realm: z.string().optional(),
    consumers: z.array(keyAuthConsumerSchema).optional(),
  })
  .refine((c) => new Set((c.consumers ?? []).map((x) => x.name)).size === (c.consumers ?? []).length, {
    message: 'consumers[].name must be unique',
    path: ['consumers'],
  })
  .refine((c) => c.in_header !== false || c.in_query !== false, {
    message: "at least one of 'in_query' and 'in_header' must be true (plugin.cc)",
    path: ['in_header'],
  });
export type KeyAuthConfig = z.infer<typeof keyAuthConfigSchema>;

/**
 * A route rule carries only the allow-list (`route_rule_matcher.h` reads `allow` per rule; the Go build's
 * `parseOverrideRuleConfig` inherits the rest from the global config). The console writes `{}` on rules it
 * has switched off (`configDisable: true`).
 */
export const keyAuthRuleConfigSchema = z.strictObject({
  allow: z.array(z.string().min(1)).optional(),
});
export type KeyAuthRuleConfig = z.infer<typeof keyAuthRuleConfigSchema>;
