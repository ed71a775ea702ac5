import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { conversionNotesSchema } from './agent/conversion-notes.js';
import { desiredProductSchema } from './himarket/product.js';
import { checkGeneratedObject } from './index.js';
import { envoyFilterSchema } from './istio/index.js';
import { configMapSchema, deploymentSchema, persistentVolumeClaimSchema, serviceSchema } from './kubernetes/index.js';

// Each case is a mistake the API server, Istio or our runtimes would swallow or only report at apply time
// (a dropped field, a redirect policy that is not the console's, a runtime key that is stripped), taken from
// a real golden and changed in one place.

type Doc = Record<string, unknown>;
const GOLDEN = join(import.meta.dirname ?? process.cwd(), '../reconcilers/__golden__');
const docsOf = (file: string): Doc[] => parseAllDocuments(readFileSync(join(GOLDEN, file), 'utf8')).map((d) => d.toJS() as Doc);
const first = (file: string, kind: string, has: (d: Doc) => boolean = () => true): Doc => {
  const d = docsOf(file).find((x) => x.kind === kind && has(x));
  if (!d) throw new Error(`${file} has no ${kind}`);
  return d;
};
const deployment = (file: string) => deploymentSchema.parse(first(file, 'Deployment'));
const issues = (o: unknown) => checkGeneratedObject(o)?.issues ?? ['(no contract claimed it)'];

describe('workload contracts (apps/v1, core/v1)', () => {
  it('accept the rendered objects as they are', () => {
    for (const kind of ['Deployment', 'Service', 'PersistentVolumeClaim']) expect(issues(first('ragpipeline-full-embedded.yaml', kind))).toEqual([]);
  });

  it('reject a misspelt field the API server would drop', () => {
    const d = deployment('ragpipeline-full-embedded.yaml');
    const c = d.spec.template.spec.containers[0]!;
    Object.assign(c, { readinesProbe: c.readinessProbe });
    delete c.readinessProbe;
    expect(issues(d).join('\n')).toContain('readinesProbe');
  });

  it('reject a selector that does not match the pod labels, and a mount of no volume', () => {
    const d = deployment('ragpipeline-full-embedded.yaml');
    d.spec.selector.matchLabels['app.kubernetes.io/instance'] = 'other';
    d.spec.template.spec.containers[0]!.volumeMounts!.push({ name: 'nowhere', mountPath: '/x' });
    const found = issues(d).join('\n');
    expect(found).toContain('must match spec.template.metadata.labels');
    expect(found).toContain("no volume 'nowhere'");
  });

  it('reject an env var with both value and valueFrom, and a port name longer than 15', () => {
    const c = deployment('semanticrouter-budget-postgres-judge.yaml').spec.template.spec.containers[0]!;
    c.env![1]!.value = 'x';
    c.ports![1]!.name = 'administrative-port';
    const d = deployment('semanticrouter-budget-postgres-judge.yaml');
    d.spec.template.spec.containers[0] = c;
    expect(issues(d)).toHaveLength(2);
  });

  it('reject a Service port without a name and a PVC without a size', () => {
    const s = serviceSchema.parse(first('semanticrouter-minimal.yaml', 'Service'));
    s.spec.ports[0]!.name = '';
    expect(issues(s)).not.toEqual([]);
    const p = persistentVolumeClaimSchema.parse(first('semanticrouter-minimal.yaml', 'PersistentVolumeClaim'));
    Object.assign(p.spec.resources.requests, { storag: '1Gi' });
    expect(issues(p)).not.toEqual([]);
  });
});

describe('runtime config ConfigMaps', () => {
  const holds = (key: string) => (d: Doc) => key in ((d.data ?? {}) as Doc);
  const ragMap = () => configMapSchema.parse(first('ragpipeline-full-embedded.yaml', 'ConfigMap', holds('rag.yaml')));
  const routerMap = () => configMapSchema.parse(first('semanticrouter-cache.yaml', 'ConfigMap', holds('router.yaml')));

  it('are claimed by the runtime contracts and accepted as rendered', () => {
    expect(checkGeneratedObject(ragMap())?.contract).toBe('rag runtime ConfigMap');
    expect(checkGeneratedObject(routerMap())?.contract).toBe('router runtime ConfigMap');
    expect(issues(ragMap())).toEqual([]);
    expect(issues(routerMap())).toEqual([]);
  });

  it('reject a key the runtime schema would strip (a misspelling that parses)', () => {
    for (const [cm, key] of [
      [ragMap(), 'rag.yaml'],
      [routerMap(), 'router.yaml'],
    ] as const) {
      const doc = parse(cm.data[key]!) as Doc;
      doc.topk = 3;
      cm.data[key] = stringify(doc);
      expect(issues(cm).join('\n')).toContain('not what its schema makes of it');
    }
  });

  it('reject a document of the wrong version and a second data key', () => {
    const cm = ragMap();
    cm.data['rag.yaml'] = cm.data['rag.yaml']!.replace(/^version: .*$/m, 'version: rag.higress-ai-operator.io/v1alpha1');
    cm.data.extra = 'x';
    const found = issues(cm).join('\n');
    expect(found).toContain("holds 'rag.yaml' only");
    expect(found).toContain('rag.higress-ai-operator.io/v1alpha2');
  });
});

describe("fallback EnvoyFilter (the console's template)", () => {
  const filter = () => envoyFilterSchema.parse(first('fallback.yaml', 'EnvoyFilter'));
  type Filter = ReturnType<typeof filter>;
  const patch = (f: Filter) => f.spec.configPatches[0]!;
  const policy = (f: Filter) =>
    patch(f).patch.value.typed_per_filter_config['envoy.filters.http.custom_response'].value.custom_response_matcher.matcher_list.matchers[0]!.on_match.action
      .typed_config.value;

  it('accepts the rendered filter', () => expect(issues(filter())).toEqual([]));

  it('rejects what finding 3 found: no with_request_body, 2 internal redirects', () => {
    const a = filter();
    Reflect.deleteProperty(patch(a).patch.value, 'with_request_body');
    expect(issues(a).join('\n')).toContain('with_request_body');
    const b = filter();
    Object.assign(policy(b), { max_internal_redirects: 2 });
    expect(issues(b).join('\n')).toContain('max_internal_redirects');
  });

  it('rejects a patch of another route than the one it is named after, and a stray key', () => {
    const f = filter();
    patch(f).match.routeConfiguration.vhost.route.name = 'ai-route-x.internal';
    Object.assign(policy(f), { retry_on: '5xx' });
    const found = issues(f).join('\n');
    expect(found).toContain('patched route must be the filter name');
    expect(found).toContain('retry_on');
  });
});

describe('HiMarket desired product and converter notes', () => {
  const desired = () => desiredProductSchema.parse(parse(readFileSync(join(GOLDEN, 'himarket-desired-model-api.yaml'), 'utf8')));

  it('reject a field HiMarket would ignore and a document without our marker', () => {
    const d = desired();
    Object.assign(d, { categories: d.categoryIds });
    expect(desiredProductSchema.safeParse(d).success).toBe(false);
    const e = desired();
    e.document = 'no marker';
    expect(desiredProductSchema.safeParse(e).success).toBe(false);
  });

  it('notes: reject a renamed field', () => {
    expect(conversionNotesSchema.safeParse({ warnings: [], schemesWithoutCredential: [], agentExcluded: [{ operationId: 'x', reason: 'y' }] }).success).toBe(
      false,
    );
  });
});
