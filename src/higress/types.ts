import type { HigressIngress, McpBridgeRegistryContract, WasmMatchRule, WasmPluginObject } from '../contracts/higress/index.js';
import type { EnvoyFilterContract } from '../contracts/istio/index.js';

/**
 * Plain-JSON shapes of the Higress objects the operator writes (only the fields it sets).
 * Field names follow reference §2 (CRDs at Higress v2.2.1).
 */

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type WasmPhase = WasmPluginObject['spec']['phase'];

/**
 * One `matchRules[]` entry, as the contract types it (src/contracts/higress/wasm-plugin.ts): at least one of
 * ingress/domain/service. `config` stays required here because every rule we build carries one.
 */
export type MatchRule = WasmMatchRule & { config: Record<string, unknown>; configDisable: boolean };

/** A rule whose config is one plugin's contract type (src/contracts/higress/<plugin>.ts): what rule builders return. */
export type RuleOf<Config> = Omit<MatchRule, 'config'> & { config: Config };

/** A WasmPlugin as the contract types it: a field the contract does not know is a type error. */
export type WasmPlugin = Omit<WasmPluginObject, 'metadata' | 'spec'> & {
  metadata: ObjectMeta;
  spec: Omit<WasmPluginObject['spec'], 'matchRules'> & { matchRules: MatchRule[] };
};

/** One `McpBridge.spec.registries[]` entry (the contract's, src/contracts/higress/mcp-bridge.ts). */
export type McpBridgeRegistry = McpBridgeRegistryContract;

/**
 * The Ingress shape we emit for Higress (the contract's, src/contracts/higress/ingress.ts). Metadata is our
 * ObjectMeta: the contract's required `higress.io/destination` is a value rule, checked when goldens parse.
 */
export type Ingress = Omit<HigressIngress, 'metadata'> & { metadata: ObjectMeta };

/** Reference to any generated object (what a pool's status lists). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/**
 * Istio EnvoyFilter (networking.istio.io/v1alpha3): the console's fallback redirect, as the contract types it
 * (src/contracts/istio/envoy-filter.ts); a field the console's template does not write is a type error.
 */
export type EnvoyFilter = Omit<EnvoyFilterContract, 'metadata'> & { metadata: ObjectMeta };
