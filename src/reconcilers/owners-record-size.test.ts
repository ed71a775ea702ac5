// The owners records at scale, with the real builders: the bench's pools (bench/operator.ts, makePool) rendered,
// merged into one gateway's shared objects, and each object's annotations measured against the API server's limit.
import { describe, expect, it } from '@jest/globals';
import { modelPoolSchema, type ModelPool } from '../api/v1alpha1/modelpool.js';
import { CONSOLE_PLUGINS, ENTRY_OWNERS_ANNOTATION, mergePluginShares, type ConsolePluginName, type PluginShare } from '../higress/console/shared-plugins.js';
import { mergeRegistrySets, REGISTRY_OWNERS_ANNOTATION } from '../kube/mcpbridge.js';
import { parseOwners, serializeOwners } from '../kube/owners-record.js';
import { renderModelPool, type ObservedState } from './modelpool.js';

/** `TotalAnnotationSizeLimitB` (k8s.io/apimachinery pkg/api/validation/objectmeta.go): keys plus values, in bytes. */
const ANNOTATIONS_LIMIT = 256 * 1024;
const GW = 'higress-system';
const NS = 'bench-3f9a1c';

/** bench/operator.ts `makePool`: 2 models, an OpenAI one with a Secret and a vLLM one. */
function benchPool(i: number): ModelPool {
  return modelPoolSchema.parse({
    apiVersion: 'ai.higress.io/v1alpha1',
    kind: 'ModelPool',
    metadata: { namespace: NS, name: `pool-${i}` },
    spec: {
      gateway: { namespace: GW },
      models: [
        { name: `p${i}-gpt-0`, provider: { type: 'openai', credentials: { secretRef: { name: 'bench', key: 'token' } } } },
        { name: `p${i}-local-1`, provider: { type: 'vllm', endpoint: `http://vllm-${i}.inference.svc:8000/v1` } },
      ],
    },
  });
}

const observed: ObservedState = { secrets: new Map([['bench', { token: 'sk-bench' }]]) };
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const annotationBytes = (a: Record<string, string> | undefined) => Object.entries(a ?? {}).reduce((n, [k, v]) => n + bytes(k) + bytes(v), 0);

interface Shared {
  name: string;
  /** The owners record in memory, and every annotation of the object as written. */
  owners: Record<string, string>;
  annotations: Record<string, string>;
  objectBytes: number;
}

/** The gateway's shared objects for pools 0…count-1, as one pass merges them into empty objects. */
function sharedObjects(count: number): Shared[] {
  const renders = Array.from({ length: count }, (_, i) => renderModelPool(benchPool(i), observed));
  const out: Shared[] = [];
  const bridge = mergeRegistrySets([], {}, new Map(renders.map((r) => [r.ownerId, r.registries])));
  if (!bridge.ok) throw new Error(bridge.message);
  const annotations = { [REGISTRY_OWNERS_ANNOTATION]: serializeOwners({ ...bridge.owners }) };
  out.push({
    name: 'McpBridge/default',
    owners: { ...bridge.owners },
    annotations,
    objectBytes: bytes(JSON.stringify({ metadata: { name: 'default', namespace: GW, annotations }, spec: { registries: bridge.registries } })),
  });
  for (const name of Object.keys(CONSOLE_PLUGINS) as ConsolePluginName[]) {
    const desired = new Map<string, PluginShare>(renders.flatMap((r) => (r.shares[name] ? [[r.ownerId, r.shares[name]] as [string, PluginShare]] : [])));
    if (!desired.size) continue;
    const plugin = mergePluginShares(undefined, CONSOLE_PLUGINS[name], GW, desired).plugin;
    const merged = plugin.metadata.annotations ?? {};
    // Read back through a parse of the text (the trailing space keeps it out of the writer's memo).
    const owners = { ...parseOwners(`${merged[ENTRY_OWNERS_ANNOTATION]} `) };
    out.push({ name: `WasmPlugin/${name}`, owners, annotations: merged, objectBytes: bytes(JSON.stringify(plugin)) });
  }
  return out;
}

/** The annotation text v1 wrote (keys sorted, as mergePluginShares did). */
const v1Text = (owners: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(owners).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
/** Bytes the annotation value costs inside the object's JSON (its quotes and backslashes escaped). */
const inObject = (text: string) => bytes(JSON.stringify(text));

describe('owners records at scale (bench shape: pools of 2 models in one gateway)', () => {
  it('v2 is at least 2x smaller than v1 at 520 pools (1,040 providers and their rules)', () => {
    const rows = sharedObjects(520).map((s) => {
      const [key, text] = Object.entries(s.annotations).find(([k]) => k.endsWith('-owners'))!;
      const v1 = v1Text(s.owners);
      return { object: s.name, key, items: Object.keys(s.owners).length, v1: inObject(v1), v2: inObject(text), objectV2: s.objectBytes };
    });
    // Printed for docs/evaluation/operator.md (owners16); the assertion is the ratio.
    console.log(rows.map((r) => `${r.object}: ${r.items} items, v1 ${r.v1} B, v2 ${r.v2} B (${(r.v1 / r.v2).toFixed(2)}x), object ${r.objectV2} B`).join('\n'));
    const proxy = rows.find((r) => r.object === 'WasmPlugin/ai-proxy.internal')!;
    expect(proxy.items).toBe(2080);
    for (const r of rows) if (r.items > 0) expect(r.v1 / r.v2).toBeGreaterThanOrEqual(2);
  });

  it('at 1,500 pools every shared object stays under the 256 KiB annotations limit; v1 would not', () => {
    const objects = sharedObjects(1500);
    const crossings: string[] = [];
    for (const s of objects) {
      expect(annotationBytes(s.annotations)).toBeLessThan(ANNOTATIONS_LIMIT);
      // Where v1 crosses the limit: pools are added in order, each adds its keys to the record.
      const [key, text] = Object.entries(s.annotations).find(([k]) => k.endsWith('-owners'))!;
      const others = annotationBytes(s.annotations) - bytes(key) - bytes(text);
      let v1 = bytes(key) + others + 2 - 1; // "{}" less the first key's comma
      let crossed: number | undefined;
      const byPool = new Map<number, string[]>();
      for (const [k, owner] of Object.entries(s.owners)) {
        const i = Number(owner.split('/')[2]!.slice('pool-'.length));
        byPool.set(i, [...(byPool.get(i) ?? []), k]);
      }
      for (let i = 0; i < 1500 && crossed === undefined; i++) {
        for (const k of byPool.get(i) ?? []) v1 += bytes(JSON.stringify(k)) + 1 + bytes(JSON.stringify(s.owners[k])) + 1;
        if (v1 > ANNOTATIONS_LIMIT) crossed = i + 1;
      }
      crossings.push(
        `${s.name}: annotations ${annotationBytes(s.annotations)} B at 1500 pools (v2); v1 ${crossed ? `crosses 256 KiB at ${crossed} pools` : 'stays under at 1500'}`,
      );
    }
    console.log(crossings.join('\n'));
    expect(crossings.some((c) => c.startsWith('WasmPlugin/ai-proxy.internal') && / crosses 256 KiB at \d+ pools/.test(c))).toBe(true);
  });
});
