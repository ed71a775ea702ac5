import { describe, expect, it } from '@jest/globals';
import { mergeRegistrySets, type Registry } from './mcpbridge.js';

const reg = (name: string, domain = `${name}.example.com`): Registry => ({ name, type: 'dns', domain, port: 443, protocol: 'https' });
const A = 'ModelPool/ns/a';
const B = 'ModelPool/ns/b';

describe('mergeRegistrySets', () => {
  it('merges several owners in one pass and keeps foreign entries first', () => {
    const foreign = reg('llm-console.internal');
    const r = mergeRegistrySets(
      [foreign],
      {},
      new Map([
        [A, [reg('a1')]],
        [B, [reg('b1'), reg('b2')]],
      ]),
    );
    expect(r.ok && r.changed).toBe(true);
    if (!r.ok) return;
    expect(r.registries.map((x) => x.name)).toEqual(['llm-console.internal', 'a1', 'b1', 'b2']);
    expect(r.owners).toEqual({ a1: A, b1: B, b2: B });
  });

  it('releases owners that are gone when asked, and only those', () => {
    const current = [reg('a1'), reg('b1'), reg('x1')];
    const owners = { a1: A, b1: B, x1: 'Other/ns/x' };
    const r = mergeRegistrySets(current, owners, new Map([[A, [reg('a1')]]]), (o) => o.startsWith('ModelPool/'));
    expect(r.ok && r.registries.map((x) => x.name)).toEqual(['a1', 'x1']);
    expect(r.ok && r.owners).toEqual({ a1: A, x1: 'Other/ns/x' });
  });

  it('reports no change when converged', () => {
    const r = mergeRegistrySets([reg('a1')], { a1: A }, new Map([[A, [reg('a1')]]]), () => true);
    expect(r.ok && r.changed).toBe(false);
  });

  it('refuses to take over an entry someone else owns', () => {
    const r = mergeRegistrySets([reg('a1')], {}, new Map([[A, [reg('a1', 'other.example.com')]]]));
    expect(r.ok).toBe(false);
  });
});
