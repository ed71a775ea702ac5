import { describe, expect, it } from '@jest/globals';
import { APPLIED_HASH_ANNOTATION, applyDecision, desiredHash, isSubset, withAppliedHash } from './apply.js';
import type { KubeObject } from './object.js';

type Obj = KubeObject & { spec?: Record<string, unknown> };

const desired: Obj = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'r', namespace: 'higress-system', labels: { a: '1' }, annotations: { 'higress.io/destination': 'x.dns:443' } },
  spec: { ingressClassName: 'higress', rules: [{ host: 'h', http: { paths: [{ path: '/', pathType: 'Prefix' }] } }] },
};

/** What the API server returns after applying `desired`: server metadata and defaults added. */
function served(d: Obj): Obj {
  const applied = withAppliedHash(d);
  return {
    ...applied,
    metadata: { ...applied.metadata, uid: 'u', resourceVersion: '7', generation: 1, managedFields: [], labels: { ...applied.metadata.labels, extra: 'x' } },
    spec: { ...applied.spec, defaulted: true },
    status: { loadBalancer: {} },
  } as Obj;
}

describe('isSubset', () => {
  it('allows extra observed fields but not missing or different ones; arrays element-wise', () => {
    expect(isSubset({ a: 1, b: { c: [1, { d: 2 }] } }, { a: 1, z: 0, b: { c: [1, { d: 2, e: 3 }] } })).toBe(true);
    expect(isSubset({ a: 1 }, { a: 2 })).toBe(false);
    expect(isSubset({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
    expect(isSubset({ a: {} }, { a: [] })).toBe(false);
    expect(isSubset({ a: undefined }, {})).toBe(true);
  });
});

describe('applyDecision', () => {
  it('is UpToDate for what the server returned after our apply (server metadata/defaults ignored)', () => {
    expect(applyDecision(desired, served(desired))).toBe('UpToDate');
  });

  it('is Missing without an observed object', () => {
    expect(applyDecision(desired, undefined)).toBe('Missing');
  });

  it('is Changed when the desired state moved', () => {
    const next = { ...desired, spec: { ...desired.spec, ingressClassName: 'other' } };
    expect(applyDecision(next, served(desired))).toBe('Changed');
  });

  it('is Drifted when someone edited a field we set, even though the hash annotation matches', () => {
    const edited = served(desired);
    edited.metadata.annotations = { ...edited.metadata.annotations, 'higress.io/destination': 'hijacked' };
    expect(applyDecision(desired, edited)).toBe('Drifted');
  });

  it('hash ignores server-owned metadata, status and the hash annotation itself', () => {
    const withNoise = { ...desired, metadata: { ...desired.metadata, resourceVersion: '9', uid: 'z' }, status: { x: 1 } } as Obj;
    expect(desiredHash(withNoise)).toBe(desiredHash(desired));
    expect(desiredHash(withAppliedHash(desired))).toBe(desiredHash(desired));
    expect(withAppliedHash(desired).metadata.annotations?.[APPLIED_HASH_ANNOTATION]).toMatch(/^[0-9a-f]{16}$/);
    // key order does not matter
    const reordered: Obj = {
      metadata: desired.metadata,
      spec: { rules: desired.spec?.rules, ingressClassName: 'higress' },
      kind: 'Ingress',
      apiVersion: 'networking.k8s.io/v1',
    };
    expect(desiredHash(reordered)).toBe(desiredHash(desired));
  });
});
