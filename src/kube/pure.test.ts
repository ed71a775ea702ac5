import { describe, expect, it } from '@jest/globals';
import { apiErrorFrom, isConflict, isGone, isNotFound, reasonOf } from './errors.js';
import { jsonEqual, keyOf, parseKey, stableStringify } from './object.js';
import { apiVersionOf, customResource, resourceId, resourcePath, Resources } from './resources.js';
import { Store } from './store.js';
import type { KubeObject } from './object.js';

describe('resources', () => {
  it('builds core, group, namespaced, cluster-scoped and status paths', () => {
    expect(resourcePath(Resources.Secret, { namespace: 'ns', name: 's' })).toBe('/api/v1/namespaces/ns/secrets/s');
    expect(resourcePath(Resources.Secret)).toBe('/api/v1/secrets');
    expect(resourcePath(Resources.McpBridge, { namespace: 'higress-system', name: 'default' })).toBe(
      '/apis/networking.higress.io/v1/namespaces/higress-system/mcpbridges/default',
    );
    const pools = customResource('ai.higress.io', 'v1alpha1', 'ModelPool', 'modelpools');
    expect(resourcePath(pools, { namespace: 'a', name: 'p', subresource: 'status' })).toBe('/apis/ai.higress.io/v1alpha1/namespaces/a/modelpools/p/status');
    expect(resourcePath(Resources.Namespace, { namespace: 'ignored', name: 'x' })).toBe('/api/v1/namespaces/x');
    expect(apiVersionOf(Resources.Ingress)).toBe('networking.k8s.io/v1');
    expect(apiVersionOf(Resources.Secret)).toBe('v1');
    expect(resourceId(Resources.Lease)).toBe('coordination.k8s.io/leases');
  });

  it('rejects an empty name instead of addressing the collection', () => {
    expect(() => resourcePath(Resources.Secret, { namespace: 'ns', name: '' })).toThrow(/empty name/);
  });
});

describe('errors', () => {
  it('takes the reason from a Status body, else from the HTTP code', () => {
    const e = apiErrorFrom(409, { kind: 'Status', reason: 'Conflict', message: 'the object has been modified' }, 'update');
    expect(e.reason).toBe('Conflict');
    expect(isConflict(e)).toBe(true);
    expect(e.message).toBe('the object has been modified');
    expect(apiErrorFrom(404, undefined, 'get').reason).toBe('NotFound');
    expect(isNotFound(apiErrorFrom(404, undefined, 'get'))).toBe(true);
    expect(isGone(apiErrorFrom(410, { kind: 'Status', reason: 'Expired', code: 410 }, 'watch'))).toBe(true);
    expect(isGone(apiErrorFrom(500, { kind: 'Status', reason: 'Expired' }, 'watch'))).toBe(true);
    expect(apiErrorFrom(418, undefined, 'x').reason).toBe('Unknown');
    expect(reasonOf(new Error('x'))).toBe('InternalError');
    expect(reasonOf({ reason: 'SecretNotFound' })).toBe('SecretNotFound');
  });
});

describe('object helpers', () => {
  it('round-trips keys', () => {
    expect(keyOf({ metadata: { namespace: 'a', name: 'b' } })).toBe('a/b');
    expect(keyOf({ metadata: { name: 'b' } })).toBe('b');
    expect(parseKey('a/b')).toEqual({ namespace: 'a', name: 'b' });
    expect(parseKey('b')).toEqual({ namespace: '', name: 'b' });
  });

  it('compares JSON structurally, ignoring undefined-valued keys', () => {
    expect(jsonEqual({ a: [1, { b: 2 }], c: undefined }, { a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
  });

  it('serializes with sorted keys', () => {
    expect(stableStringify({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});

describe('Store', () => {
  const obj = (ns: string, name: string, labels: Record<string, string> = {}): KubeObject => ({ metadata: { namespace: ns, name, labels } });

  it('indexes by namespace and label and keeps indexes right across updates and removals', () => {
    const s = new Store<KubeObject>();
    s.upsert(obj('a', 'x', { app: 'one' }));
    s.upsert(obj('a', 'y', { app: 'two' }));
    s.upsert(obj('b', 'x', { app: 'one' }));
    expect(s.byNamespace('a').map(keyOf).sort()).toEqual(['a/x', 'a/y']);
    expect(s.byLabel('app', 'one').map(keyOf).sort()).toEqual(['a/x', 'b/x']);
    s.upsert(obj('a', 'x', { app: 'two' }));
    expect(s.byLabel('app', 'one').map(keyOf)).toEqual(['b/x']);
    expect(s.byLabel('app', 'two').map(keyOf).sort()).toEqual(['a/x', 'a/y']);
    s.remove('a/y');
    expect(s.byNamespace('a').map(keyOf)).toEqual(['a/x']);
    expect(s.size).toBe(2);
    expect(s.remove('nope')).toBeUndefined();
  });

  it('supports custom indexes, including ones added after objects exist', () => {
    const s = new Store<KubeObject & { spec?: { secret?: string } }>();
    s.upsert({ metadata: { namespace: 'a', name: 'p1' }, spec: { secret: 's1' } });
    s.addIndex('secret', (o) => (o.spec?.secret ? [`${o.metadata.namespace}/${o.spec.secret}`] : []));
    s.upsert({ metadata: { namespace: 'a', name: 'p2' }, spec: { secret: 's1' } });
    s.upsert({ metadata: { namespace: 'a', name: 'p3' } });
    expect(s.byIndex('secret', 'a/s1').map(keyOf).sort()).toEqual(['a/p1', 'a/p2']);
    expect(s.byIndex('unknown', 'x')).toEqual([]);
  });

  it('lists the values an index holds and answers "some object under a value" without copying', () => {
    const s = new Store<KubeObject>();
    s.upsert(obj('a', 'x', { app: 'one' }));
    s.upsert(obj('b', 'y', { app: 'two' }));
    s.addIndex('app', (o) => [o.metadata.labels?.app ?? '']);
    expect(s.indexValues('app').sort()).toEqual(['one', 'two']);
    s.remove('b/y');
    expect(s.indexValues('app')).toEqual(['one']);
    expect(s.someInIndex('app', 'one', (o) => o.metadata.name === 'x')).toBe(true);
    expect(s.someInIndex('app', 'one', (o) => o.metadata.name === 'y')).toBe(false);
    expect(s.someInIndex('app', 'two', () => true)).toBe(false);
  });
});
