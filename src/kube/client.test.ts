import { describe, expect, it } from '@jest/globals';
import { KubeClient, RequestStats } from './client.js';
import { Resources } from './resources.js';
import type { RawResponse, StreamResponse, Transport } from './transport.js';

/** Records requests and answers from a script: checks URL/verb mapping and counting, nothing Kubernetes-like. */
class ScriptedTransport implements Transport {
  readonly calls: Array<{ method: string; path: string; body?: string; contentType?: string }> = [];
  constructor(private readonly answers: RawResponse[]) {}
  request(method: string, path: string, body?: string, contentType?: string): Promise<RawResponse> {
    this.calls.push({ method, path, body, contentType });
    return Promise.resolve(this.answers.shift() ?? { status: 200, body: '{}' });
  }
  stream(): Promise<StreamResponse> {
    return Promise.resolve({ status: 410, errorBody: JSON.stringify({ kind: 'Status', reason: 'Expired', code: 410 }) });
  }
}

const ok = (body: unknown): RawResponse => ({ status: 200, body: JSON.stringify(body) });

describe('KubeClient', () => {
  it('counts reads and writes by verb and resource', async () => {
    const stats = new RequestStats();
    const t = new ScriptedTransport([ok({}), ok({}), ok({}), ok({}), ok({}), ok({}), ok({})]);
    const c = new KubeClient(t, stats);
    await c.get(Resources.Secret, 's', 'ns');
    await c.create(Resources.ConfigMap, { metadata: { name: 'c', namespace: 'ns' } });
    await c.apply(Resources.Ingress, { metadata: { name: 'i', namespace: 'ns' } }, { force: true });
    await c.patch(Resources.Lease, 'l', 'ns', {}, 'merge');
    await c.delete(Resources.ConfigMap, 'c', 'ns');
    expect(stats.writeCount()).toBe(4);
    expect(stats.writeCount({ excludeResources: ['coordination.k8s.io/leases'] })).toBe(3);
    await c.create(Resources.ConfigMap, { metadata: { name: 'c', namespace: 'other' } }).catch(() => undefined);
    await c.create(Resources.Namespace, { metadata: { name: 'ns' } }).catch(() => undefined);
    expect(stats.writeCount({ namespaces: ['ns'] })).toBe(4); // writes into ns; not the Namespace object itself
    expect(stats.writeCount({ namespaces: ['other'] })).toBe(1);
    expect(stats.snapshot()).toEqual({
      'create configmaps': 2,
      'create namespaces': 1,
      'delete configmaps': 1,
      'get secrets': 1,
      'patch coordination.k8s.io/leases': 1,
      'patch networking.k8s.io/ingresses': 1,
    });
  });

  it('sends apply patches with the apply content type, field manager and force', async () => {
    const t = new ScriptedTransport([ok({})]);
    await new KubeClient(t, new RequestStats()).apply(Resources.WasmPlugin, { metadata: { name: 'w', namespace: 'higress-system' } }, { force: true });
    expect(t.calls[0]).toMatchObject({
      method: 'PATCH',
      path: '/apis/extensions.higress.io/v1alpha1/namespaces/higress-system/wasmplugins/w?fieldManager=higress-ai-operator&force=true',
      contentType: 'application/apply-patch+yaml',
    });
    expect(JSON.parse(t.calls[0]!.body!)).toMatchObject({ apiVersion: 'extensions.higress.io/v1alpha1', kind: 'WasmPlugin' });
  });

  it('maps 404 to undefined/false and other errors to reasons', async () => {
    const notFound = { status: 404, body: JSON.stringify({ kind: 'Status', reason: 'NotFound', code: 404 }) };
    const t = new ScriptedTransport([
      notFound,
      notFound,
      { status: 409, body: JSON.stringify({ kind: 'Status', reason: 'Conflict', message: 'stale' }) },
      { status: 500, body: 'not json' },
    ]);
    const c = new KubeClient(t, new RequestStats());
    expect(await c.get(Resources.Secret, 's', 'ns')).toBeUndefined();
    expect(await c.delete(Resources.Secret, 's', 'ns')).toBe(false);
    await expect(c.update(Resources.Secret, { metadata: { name: 's', namespace: 'ns', resourceVersion: '1' } })).rejects.toMatchObject({
      reason: 'Conflict',
      code: 409,
      message: 'stale',
    });
    await expect(c.get(Resources.Secret, 's', 'ns')).rejects.toMatchObject({ reason: 'InternalError', code: 500 });
  });

  it('gives network failures a reason', async () => {
    const broken: Transport = {
      request: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')),
      stream: () => Promise.reject(new Error('x')),
    };
    await expect(new KubeClient(broken, new RequestStats()).get(Resources.Secret, 's', 'ns')).rejects.toMatchObject({ reason: 'ConnectionFailed', code: 0 });
  });

  it('follows list continue tokens and fills apiVersion/kind on items', async () => {
    const t = new ScriptedTransport([
      ok({ metadata: { continue: 'tok', resourceVersion: '5' }, items: [{ metadata: { name: 'a' } }] }),
      ok({ metadata: { resourceVersion: '5' }, items: [{ metadata: { name: 'b' } }] }),
    ]);
    const r = await new KubeClient(t, new RequestStats()).list(Resources.Secret, { namespace: 'ns', limit: 1, labelSelector: 'x=y' });
    expect(r.items.map((i) => [i.metadata.name, i.kind, i.apiVersion])).toEqual([
      ['a', 'Secret', 'v1'],
      ['b', 'Secret', 'v1'],
    ]);
    expect(r.resourceVersion).toBe('5');
    expect(t.calls.map((c) => c.path)).toEqual([
      '/api/v1/namespaces/ns/secrets?labelSelector=x%3Dy&limit=1',
      '/api/v1/namespaces/ns/secrets?labelSelector=x%3Dy&limit=1&continue=tok',
    ]);
  });

  it('turns a watch HTTP error into a reasoned error (410 → Expired)', async () => {
    const c = new KubeClient(new ScriptedTransport([]), new RequestStats());
    await expect(c.watch(Resources.Secret, { resourceVersion: '1' }, () => undefined, new AbortController().signal)).rejects.toMatchObject({
      code: 410,
      reason: 'Expired',
    });
  });
});
