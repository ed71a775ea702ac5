import { describe, expect, it } from '@jest/globals';
import { FRAGMENTS, ownerStem, ownersRecordEmpty, ownersUpdate, parseOwners, serializeOwners, STEM_MARK } from './owners-record.js';

const A = 'ModelPool/team-a/chat';
const B = 'SemanticRouter/team-b/router';

/** Parse `text` as a reader that has not seen it: a trailing space is still the same JSON, but not the memo's key. */
const fresh = (text: string) => parseOwners(`${text} `);
const roundTrip = (owners: Record<string, string>) => fresh(serializeOwners({ ...owners }));

describe('parseOwners', () => {
  it('tolerates garbage by owning nothing', () => {
    expect(parseOwners(undefined)).toEqual({});
    expect(parseOwners('')).toEqual({});
    expect(parseOwners('{not json')).toEqual({});
    expect(parseOwners('[1]')).toEqual({});
    expect(parseOwners('"x"')).toEqual({});
    expect(parseOwners('null')).toEqual({});
  });

  it('reads v1 records (string values only)', () => {
    expect(parseOwners('{"a":"x","b":3}')).toEqual({ a: 'x' });
    expect(parseOwners(JSON.stringify({ 'entry:team-a-chat-gpt-4o-1': A, 'rule:|llm-x.internal.dns|': B }))).toEqual({
      'entry:team-a-chat-gpt-4o-1': A,
      'rule:|llm-x.internal.dns|': B,
    });
    // A v1 key named "v" (a registry may be called that) is a v1 record, not a version.
    expect(parseOwners('{"v":"ModelPool/a/b","o":"ModelPool/a/b"}')).toEqual({ v: 'ModelPool/a/b', o: 'ModelPool/a/b' });
  });

  it('reads v2 records: stems and fragments expanded, array form as is; bad owners skipped; unknown versions own nothing', () => {
    expect(parseOwners(`{"v":2,"o":{"ModelPool/team-a/":{"chat":"+~gpt-1 !~gpt-1$"},"SemanticRouter/team-b/":{"router":["a b","c"]}}}`)).toEqual({
      'entry:team-a-chat-gpt-1': A,
      'rule:|llm-team-a-chat-gpt-1.internal.dns|': A,
      'a b': B,
      c: B,
    });
    expect(parseOwners('{"v":2,"o":{"X/a/":{"b":7},"Y/a/":{"b":["k",1]},"Z/a/":{"b":"z"},"W/":"w"}}')).toEqual({ z: 'Z/a/b' });
    expect(parseOwners('{"v":2}')).toEqual({});
    expect(parseOwners('{"v":3,"o":{"X/a/":{"b":"k"}}}')).toEqual({});
  });

  it('returns one shared, frozen record per text', () => {
    const text = JSON.stringify({ a: A, b: 7 });
    expect(parseOwners(text)).toEqual({ a: A });
    expect(parseOwners(text)).toBe(parseOwners(text));
    expect(Object.isFrozen(parseOwners(text))).toBe(true);
    const v2 = serializeOwners({ k: A });
    expect(parseOwners(v2)).toBe(parseOwners(v2));
    expect(Object.isFrozen(parseOwners(v2))).toBe(true);
  });
});

describe('serializeOwners (v2)', () => {
  it('groups keys by owner and owners by kind and namespace, abbreviates stem and fragments, sorts everything', () => {
    const text = serializeOwners({
      'rule:|llm-team-a-chat-gpt-4o-02bcad2c.internal.dns|': A,
      'entry:team-a-chat-gpt-4o-02bcad2c': A,
      'rule:ai-route-sr-team-b-router-auto-bc69c9.internal||': B,
      'entry:team-a-more-o3-1': 'ModelPool/team-a/more',
      'llm-team-a-more-o3-1.internal': 'ModelPool/team-a/more',
    });
    expect(text).toBe(
      '{"v":2,"o":{"ModelPool/team-a/":{"chat":"+~gpt-4o-02bcad2c !~gpt-4o-02bcad2c$","more":"+~o3-1 @~o3-1^"},"SemanticRouter/team-b/":{"router":"#sr-~auto-bc69c9%"}}}',
    );
    expect(serializeOwners({})).toBe('{"v":2,"o":{}}');
  });

  it('is deterministic whatever the insertion order', () => {
    const keys = ['b', 'a', 'team-a-chat-x', 'é', 'A', 'z'];
    const one = serializeOwners(Object.fromEntries(keys.map((k, i) => [k, i % 2 ? A : B])));
    const two = serializeOwners(Object.fromEntries([...keys].reverse().map((k) => [k, keys.indexOf(k) % 2 ? A : B])));
    expect(two).toBe(one);
  });

  it('round-trips any key set exactly', () => {
    const cases: Record<string, string>[] = [
      {},
      { 'entry:team-a-chat-m': A, 'rule:|llm-team-a-chat-m.internal.dns|': A, 'entry:other': A },
      // the mark inside a key: that owner falls back to the array form, the others are still abbreviated
      { [`entry:team-a-chat-${STEM_MARK}x`]: A, 'entry:team-b-router-y': B },
      { 'a key with spaces': A, ' leading': A, 'trailing ': A, '': A, 'entry:team-b-router-y': B },
      { 'entry:ünïcödé-😀': A, 'entry:team-a-chat-日本': A, 'entry:\u0000\n"\\': B },
      // stems that repeat and overlap, and a key that is the stem
      { 'team-a-chat-team-a-chat-': A, 'team-a-chat-': A, 'xteam-a-chat-team-a-chat-y': A },
      // owners without a stem (not Kind/ns/name) or whose stem never occurs
      { k1: 'odd-owner', [`${STEM_MARK}k2`]: 'odd-owner', k3: 'Kind/a/b/c', k4: 'Kind//x', k5: 'ModelPool/q/r', k6: '', k7: '/' },
      // every fragment, alone, repeated and run together; and every mark inside a key (array form for that owner)
      Object.fromEntries(
        FRAGMENTS.flatMap(([, t], i) => [
          [`${t}${t}x${t}`, A],
          [`${FRAGMENTS[(i + 1) % FRAGMENTS.length]![1]}${t}`, B],
        ]),
      ),
      Object.fromEntries(FRAGMENTS.map(([m], i) => [`team-a-chat-${m}${i}`, `ModelPool/n${i}/x`])),
      // owners whose stem holds a mark, a space or a fragment
      { 'entry:a!b-c-x': 'ModelPool/a!b/c', 'entry:a b-c-x': 'ModelPool/a b/c', 'rule:|llm-llm-x-m.internal.dns|': 'ModelPool/llm/x', 'q~-z-k': 'K/q~/z' },
      // keys that are Object.prototype names
      { constructor: B, toString: A, hasOwnProperty: A },
    ];
    for (const owners of cases) {
      const copy = Object.fromEntries(Object.entries(owners));
      const back = roundTrip(copy);
      expect(back).toEqual(Object.fromEntries(Object.entries(owners)));
      expect(Object.keys(back).sort()).toEqual(Object.keys(owners).sort());
    }
    // __proto__ as a real own key, not the prototype
    const proto = JSON.parse('{"__proto__":"ModelPool/a/b","x":"ModelPool/a/b"}') as Record<string, string>;
    expect(Object.hasOwn(roundTrip(proto), '__proto__')).toBe(true);
  });

  it('writes an owner whose keys hold a mark or a space as an array', () => {
    expect(serializeOwners({ [`x${STEM_MARK}`]: A, 'team-b-router-q': B, 'a!': 'K/n/x', 'a b': 'K/n/y' })).toBe(
      '{"v":2,"o":{"K/n/":{"x":["a!"],"y":["a b"]},"ModelPool/team-a/":{"chat":["x~"]},"SemanticRouter/team-b/":{"router":"~q"}}}',
    );
  });

  it('derives the stem from Kind/namespace/name only', () => {
    expect(ownerStem('ModelPool/ns/name')).toBe('ns-name-');
    expect(ownerStem('odd')).toBe('');
    expect(ownerStem('A/b/c/d')).toBe('');
    expect(ownerStem('A//c')).toBe('');
  });
});

describe('migration markers', () => {
  it('ownersUpdate: an equal v2 text is kept, a v1 one rewritten once, absent or garbage only when something is owned', () => {
    const next = { a: 'ModelPool/x/y' };
    const v2 = serializeOwners({ ...next });
    expect(ownersUpdate(v2, { ...next })).toEqual({ text: v2, changed: false });
    // Another writer's equal v2 text (array form, not abbreviated) is not rewritten for its form.
    const other = '{"v":2,"o":{"ModelPool/x/":{"y":["a"]}}}';
    expect(ownersUpdate(other, { ...next })).toEqual({ text: other, changed: false });
    expect(ownersUpdate('{"a":"ModelPool/x/y"}', { ...next })).toEqual({ text: v2, changed: true });
    expect(ownersUpdate('{}', {})).toEqual({ text: '{"v":2,"o":{}}', changed: true });
    expect(ownersUpdate(v2, { ...next, b: 'ModelPool/x/y' })).toEqual({ text: serializeOwners({ ...next, b: 'ModelPool/x/y' }), changed: true });
    expect(ownersUpdate(undefined, {})).toEqual({ text: '{"v":2,"o":{}}', changed: false });
    expect(ownersUpdate('garbage', {})).toEqual({ text: '{"v":2,"o":{}}', changed: false });
    expect(ownersUpdate('{"v":3}', {})).toEqual({ text: '{"v":2,"o":{}}', changed: false });
    expect(ownersUpdate(undefined, { ...next })).toEqual({ text: v2, changed: true });
    expect(ownersUpdate('garbage', { ...next })).toEqual({ text: v2, changed: true });
  });

  it('ownersRecordEmpty: absent or readable without keys; unreadable may hold anything', () => {
    expect(ownersRecordEmpty(undefined)).toBe(true);
    expect(ownersRecordEmpty('{}')).toBe(true);
    expect(ownersRecordEmpty('{"v":2,"o":{}}')).toBe(true);
    expect(ownersRecordEmpty('{"a":"ModelPool/x/y"}')).toBe(false);
    expect(ownersRecordEmpty(serializeOwners({ a: 'ModelPool/x/y' }))).toBe(false);
    expect(ownersRecordEmpty('garbage')).toBe(false);
    expect(ownersRecordEmpty('{"v":3,"o":{}}')).toBe(false);
  });
});
