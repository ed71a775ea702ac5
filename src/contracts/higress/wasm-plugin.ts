import { z } from 'zod';

/**
 * The WasmPlugin object we emit (`extensions.higress.io/v1alpha1`, reference §2.1): Istio's WasmPlugin plus
 * Higress's `defaultConfig`/`defaultConfigDisable`/`matchRules`. Fields from
 * `api/extensions/v1alpha1/wasmplugin.proto`; conversion in `pkg/ingress/config/ingress_config.go`
 * (`convertIstioWasmPlugin`). Plugin configs stay `unknown` here: `registry.ts` parses them through the
 * contract of the plugin the object runs. `pluginConfig` is not accepted: when set, Higress ignores
 * `defaultConfig` and `matchRules` entirely.
 */

const metadataSchema = z.looseObject({
  name: z.string().min(1),
  /** Higress reads WasmPlugins only in its own namespace (`AddOrUpdateWasmPlugin`); which one that is depends on the install. */
  namespace: z.string().min(1),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/**
 * One `matchRules[]` entry. A rule with none of ingress/domain/service makes Higress drop the whole plugin
 * (`convertIstioWasmPlugin` logs and returns), so that is an error here. `routeType` needs Higress ≥ 2.1.10.
 */
export const wasmMatchRuleSchema = z
  .strictObject({
    ingress: z.array(z.string().min(1)).optional(),
    domain: z.array(z.string().min(1)).optional(),
    service: z.array(z.string().min(1)).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    configDisable: z.boolean().optional(),
    routeType: z.enum(['HTTP', 'GRPC']).optional(),
  })
  .refine((r) => (r.ingress?.length ?? 0) + (r.domain?.length ?? 0) + (r.service?.length ?? 0) > 0, {
    message: 'a matchRule needs ingress, domain or service (Higress drops the whole plugin otherwise)',
  });
export type WasmMatchRule = z.infer<typeof wasmMatchRuleSchema>;

export const WASM_PHASES = ['UNSPECIFIED_PHASE', 'AUTHN', 'AUTHZ', 'STATS'] as const;

export const wasmPluginSpecSchema = z.strictObject({
  /** `oci://<hub>/<ns>/<plugin>:<tag>`, `file://`, `http(s)://`; no scheme means oci. */
  url: z.string().min(1),
  sha256: z.string().optional(),
  imagePullPolicy: z.enum(['UNSPECIFIED_POLICY', 'IfNotPresent', 'Always']).optional(),
  imagePullSecret: z.string().optional(),
  verificationKey: z.string().optional(),
  pluginName: z.string().optional(),
  phase: z.enum(WASM_PHASES),
  /** Within a phase, higher runs first. */
  priority: z.int(),
  failStrategy: z.enum(['FAIL_CLOSE', 'FAIL_OPEN']),
  vmConfig: z
    .strictObject({
      env: z.array(z.strictObject({ name: z.string().min(1), value: z.string().optional(), valueFrom: z.enum(['INLINE', 'HOST']).optional() })).optional(),
    })
    .optional(),
  defaultConfig: z.record(z.string(), z.unknown()).optional(),
  defaultConfigDisable: z.boolean(),
  matchRules: z.array(wasmMatchRuleSchema),
});

export const wasmPluginSchema = z.strictObject({
  apiVersion: z.literal('extensions.higress.io/v1alpha1'),
  kind: z.literal('WasmPlugin'),
  metadata: metadataSchema,
  spec: wasmPluginSpecSchema,
});
export type WasmPluginObject = z.infer<typeof wasmPluginSchema>;

/** A WasmPlugin whose configs are typed by one plugin's contract (what a builder returns). */
export interface TypedWasmPlugin<Global, Rule> extends Omit<WasmPluginObject, 'spec'> {
  spec: Omit<WasmPluginObject['spec'], 'defaultConfig' | 'matchRules'> & {
    defaultConfig?: Global;
    matchRules: (Omit<WasmMatchRule, 'config'> & { config?: Rule })[];
  };
}
