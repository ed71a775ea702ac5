import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from './object.js';
import {
  labelValue,
  MANAGED_BY_LABEL,
  OWNER_ANNOTATION,
  OWNER_NAME_LABEL,
  ownerKeyFor,
  ownerLabels,
  ownerOf,
  ownerSelector,
  parseOwnerId,
  withOwner,
} from './owner.js';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('owner labels', () => {
  it('keeps short values and hashes long ones into valid, distinct 63-char label values', () => {
    expect(labelValue('pool')).toBe('pool');
    const a = labelValue('a'.repeat(40) + '-' + 'b'.repeat(100));
    const b = labelValue('a'.repeat(40) + '-' + 'b'.repeat(99) + 'c');
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(LABEL_VALUE);
    expect(a).not.toBe(b);
    expect(labelValue('x'.repeat(63))).toBe('x'.repeat(63));
    // a prefix ending in '-' or '.' would be invalid before the hash separator
    expect(labelValue('a'.repeat(51) + '.' + 'b'.repeat(20))).toMatch(LABEL_VALUE);
  });

  it('maps a generated object back to its owner, exactly even when labels were hashed', () => {
    const owner = { kind: 'ModelPool', namespace: 'team-a', name: 'p'.repeat(80) };
    const input: KubeObject = { metadata: { name: 'gen', namespace: 'higress-system', labels: { keep: 'me' } } };
    const obj = withOwner(input, owner);
    expect(obj.metadata.labels?.keep).toBe('me');
    expect(obj.metadata.labels?.[OWNER_NAME_LABEL]).toHaveLength(63);
    expect(obj.metadata.annotations?.[OWNER_ANNOTATION]).toBe(`ModelPool/team-a/${'p'.repeat(80)}`);
    expect(ownerOf(obj)).toEqual(owner);
    expect(ownerKeyFor('ModelPool')(obj)).toEqual([`team-a/${'p'.repeat(80)}`]);
    expect(ownerKeyFor('RagPipeline')(obj)).toEqual([]);
  });

  it('falls back to labels without the annotation and ignores objects we do not manage', () => {
    const labels = ownerLabels({ kind: 'ModelPool', namespace: 'ns', name: 'p' });
    expect(ownerOf({ metadata: { labels } })).toEqual({ kind: 'ModelPool', namespace: 'ns', name: 'p' });
    expect(ownerOf({ metadata: { labels: { ...labels, [MANAGED_BY_LABEL]: 'someone-else' } } })).toBeUndefined();
    expect(ownerOf({ metadata: {} })).toBeUndefined();
  });

  it('builds a selector and parses owner ids strictly', () => {
    expect(ownerSelector({ kind: 'ModelPool', namespace: 'ns', name: 'p' })).toBe(
      'app.kubernetes.io/managed-by=higress-ai-operator,ai.higress.io/owner-kind=ModelPool,ai.higress.io/owner-namespace=ns,ai.higress.io/owner-name=p',
    );
    expect(parseOwnerId('ModelPool/ns')).toBeUndefined();
    expect(parseOwnerId('ModelPool//p')).toBeUndefined();
  });
});
