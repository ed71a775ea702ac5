import type { WasmPhase } from './types.js';

/**
 * Built-in Higress plugins the operator configures, with the phase/priority the console writes
 * (reference §4). Image tags are configurable because the right tag depends on the Higress version.
 */
export interface PluginInfo {
  name: string;
  phase: WasmPhase;
  priority: number;
}

export const PLUGINS = {
  'model-router': { name: 'model-router', phase: 'AUTHN', priority: 900 },
  'model-mapper': { name: 'model-mapper', phase: 'AUTHN', priority: 800 },
  'key-auth': { name: 'key-auth', phase: 'AUTHN', priority: 310 },
  'ai-statistics': { name: 'ai-statistics', phase: 'UNSPECIFIED_PHASE', priority: 900 },
  'ai-cache': { name: 'ai-cache', phase: 'UNSPECIFIED_PHASE', priority: 800 },
  'ai-token-ratelimit': { name: 'ai-token-ratelimit', phase: 'UNSPECIFIED_PHASE', priority: 600 },
  'ai-proxy': { name: 'ai-proxy', phase: 'UNSPECIFIED_PHASE', priority: 100 },
  'ai-load-balancer': { name: 'ai-load-balancer', phase: 'UNSPECIFIED_PHASE', priority: 50 },
} as const satisfies Record<string, PluginInfo>;

export type PluginName = keyof typeof PLUGINS;

export interface PluginImageOptions {
  /** Registry host; default the Higress public registry. */
  hub?: string;
  /** Repository namespace; default `plugins`. */
  namespace?: string;
  /** Image tag; default `2.0.1` (console of Higress 2.2.x, reference §4). */
  tag?: string;
  /** Per-plugin tag overrides. */
  tags?: Partial<Record<PluginName, string>>;
}

export const DEFAULT_PLUGIN_HUB = 'higress-registry.cn-hangzhou.cr.aliyuncs.com';
export const DEFAULT_PLUGIN_TAG = '2.0.1';

/** `oci://<hub>/<namespace>/<plugin>:<tag>` */
export function pluginImage(name: PluginName, opts: PluginImageOptions = {}): string {
  const tag = opts.tags?.[name] ?? opts.tag ?? DEFAULT_PLUGIN_TAG;
  return `oci://${opts.hub ?? DEFAULT_PLUGIN_HUB}/${opts.namespace ?? 'plugins'}/${name}:${tag}`;
}
