import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { RAG_CONFIG_VERSION, ragConfigSchema } from '../../rag/config.js';
import { parseRouterConfig, ROUTER_CONFIG_VERSION } from '../../router/config.js';
import { configMapSchema } from './workload.js';

/**
 * Our runtimes' versioned documents and the ConfigMap key each is mounted from: the one contract between the
 * operator and the RAG runtime (src/rag/config.ts) and the router (src/router/config.ts), like Envoy AI
 * Gateway's `filterapi`. A ConfigMap carrying one holds that key only.
 */
export const RUNTIME_DOCUMENTS = {
  rag: { key: 'rag.yaml', version: RAG_CONFIG_VERSION, parse: (v: unknown): unknown => ragConfigSchema.parse(v) },
  router: { key: 'router.yaml', version: ROUTER_CONFIG_VERSION, parse: (v: unknown): unknown => parseRouterConfig(v) },
} as const;
export type RuntimeName = keyof typeof RUNTIME_DOCUMENTS;

/** Which runtime's document a ConfigMap carries, by its key; undefined for any other ConfigMap. */
export function runtimeOfConfigMap(data: Record<string, string> | undefined): RuntimeName | undefined {
  return (Object.keys(RUNTIME_DOCUMENTS) as RuntimeName[]).find((r) => data?.[RUNTIME_DOCUMENTS[r].key] !== undefined);
}

/**
 * A runtime ConfigMap: the document parses through its runtime's schema and is that schema's fixed point.
 * The runtime schemas strip keys they do not know (an older runtime must start on a newer document), so
 * "parses" alone would let a misspelt key through; the operator writes the fully defaulted output of the same
 * schema, so re-parsing it must give it back unchanged.
 */
export const runtimeConfigMapSchema = (runtime: RuntimeName) =>
  configMapSchema.superRefine((cm, ctx) => {
    const { key, version, parse } = RUNTIME_DOCUMENTS[runtime];
    const keys = Object.keys(cm.data);
    if (keys.length !== 1 || keys[0] !== key) ctx.addIssue({ code: 'custom', path: ['data'], message: `holds '${key}' only, not ${keys.join(', ')}` });
    const text = cm.data[key];
    if (text === undefined) return;
    let doc: unknown;
    let parsed: unknown;
    try {
      doc = parseYaml(text);
      parsed = parse(doc);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['data', key], message: `${version}: ${String(err)}` });
      return;
    }
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(parsed)), doc)) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', key],
        message: `${version}: the document is not what its schema makes of it (a key it drops or a default it fills)`,
      });
    }
  });
