/**
 * The owners record we keep on objects shared with other writers (`ai.higress.io/entry-owners` on the console's
 * WasmPlugins, `ai.higress.io/registry-owners` on McpBridge/default, `ai.higress.io/provider-owners` on
 * ai-proxy.internal): which items of the object are ours and which of our owners holds each. In memory it is
 * `{itemKey: "Kind/namespace/name"}`; on the object it is one annotation string.
 *
 * Format v2 (written): `{"v":2,"o":{"Kind/namespace/":{"name":"<keys>",…},…}}`: owners grouped by what precedes
 * their last `/`, groups and names sorted; each owner's keys sorted and joined by a space, with every occurrence
 * of the owner's stem (`<namespace>-<name>-`: our item names are built from it) written as {@link STEM_MARK} and
 * each of the fixed {@link FRAGMENTS} as its mark. An owner one of whose keys contains a space or a mark is
 * written as a JSON array of its keys as they are, so any key set round-trips exactly.
 *
 * Why: v1 (`{"<key>":"<owner>",…}`, still read) repeats the owner with every key, and the stem and the same few
 * fragments inside every key. At 500 pools of 2 models it was ~40% of ai-proxy.internal's bytes, and the API
 * server caps an object's annotations at 256 KiB in total (`ValidateAnnotationsSize`, k8s.io/apimachinery
 * pkg/api/validation/objectmeta.go, `TotalAnnotationSizeLimitB`): ai-proxy's v1 record reached it near 650 pools
 * of 2 models, after which every write of the plugin failed (docs/evaluation/operator.md, owners16).
 */

import { jsonEqual } from './object.js';
import { byCodeUnit } from '../util/order.js';

/** Stands for the owner's stem inside its keys. None of the marks is a character of DNS names. */
export const STEM_MARK = '~';
/**
 * Fragments of the keys our merges build (shared-plugins.ts `entry:<id>` and `ruleKey`, whose services are
 * registries `llm-<id>.internal.dns`; McpBridge registry names `llm-<id>.internal`), each written as one mark.
 * Part of the format: changing the list is a new version. Where one contains another, the longer comes first.
 * None of the marks needs escaping in JSON, Go's included (it escapes `<`, `>` and `&`).
 */
export const FRAGMENTS: readonly (readonly [mark: string, text: string])[] = [
  ['!', 'rule:|llm-'],
  ['#', 'rule:ai-route-'],
  ['$', '.internal.dns|'],
  ['%', '.internal||'],
  ['^', '.internal'],
  ['@', 'llm-'],
  ['+', 'entry:'],
  [';', 'rule:'],
];
// One pass per key each way (a record holds thousands): alternatives are tried in order, so the longer fragment wins.
const FRAGMENT_RE = new RegExp(FRAGMENTS.map(([, t]) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
const MARK_OF = new Map(FRAGMENTS.map(([m, t]) => [t, m]));
const MARK_RE = new RegExp(`[${[STEM_MARK, ...FRAGMENTS.map(([m]) => m)].map((m) => `\\${m}`).join('')}]`, 'g');
/** A key holding one of these takes the array form: a space or a mark. */
const RESERVED_RE = new RegExp(`[ ${MARK_RE.source.slice(1)}`);
const TEXT_OF = new Map(FRAGMENTS);
const VERSION = 2;

type Owners = Readonly<Record<string, string>>;

interface Parsed {
  owners: Owners;
  /** A readable v1 record: rewritten as v2 on our next merge of the object, even when its content is unchanged (ownersUpdate). */
  legacy: boolean;
  /** Garbage, or a format newer than ours. */
  unreadable: boolean;
}

/**
 * Recent parses by annotation text: a shared object's record grows with every pool, and one gateway pass reads
 * the same record several times (bench:operator, 500 pools: 6% of the operator's CPU re-parsing it).
 */
const parsed = new Map<string, Parsed>();
const PARSED_KEPT = 32;
const NOTHING: Parsed = { owners: Object.freeze({}), legacy: false, unreadable: false };
const UNREADABLE: Parsed = { ...NOTHING, unreadable: true };

/** The part of our item names an owner's items share: `<namespace>-<name>-` (consoleName, boundedName). */
export function ownerStem(owner: string): string {
  const parts = owner.split('/');
  return parts.length === 3 && parts[1] && parts[2] ? `${parts[1]}-${parts[2]}-` : '';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function decode(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return UNREADABLE;
  }
  if (!isRecord(value)) return UNREADABLE;
  // A v1 record's values are strings, so a numeric `v` is never one of its keys.
  if (typeof value.v === 'number') {
    if (value.v !== VERSION || !isRecord(value.o)) return UNREADABLE; // a newer format: we own nothing (the safe direction)
    const entries: [string, string][] = [];
    for (const [group, names] of Object.entries(value.o)) {
      if (!isRecord(names)) continue;
      for (const [name, keys] of Object.entries(names)) {
        const owner = group + name;
        if (typeof keys === 'string') {
          const stem = ownerStem(owner);
          for (const k of keys.split(' ')) entries.push([expand(k, stem), owner]);
        } else if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) {
          for (const k of keys) entries.push([k, owner]);
        }
      }
    }
    return { owners: Object.freeze(Object.fromEntries(entries)), legacy: false, unreadable: false };
  }
  const owners = Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { owners: Object.freeze(owners), legacy: true, unreadable: false };
}

function parse(text: string): Parsed {
  const memo = parsed.get(text);
  if (memo) return memo;
  const result = decode(text);
  remember(text, result);
  return result;
}

function remember(text: string, result: Parsed): void {
  if (parsed.size >= PARSED_KEPT) parsed.delete(parsed.keys().next().value!);
  parsed.set(text, result);
}

/** Parse an owners annotation (v2 or v1); garbage yields `{}` (we then own nothing, the safe direction). Shared result: read only. */
export function parseOwners(text: string | undefined): Owners {
  return text ? parse(text).owners : NOTHING.owners;
}

/**
 * True when the record holds nothing for sure: absent, or a readable record without keys. An unreadable one may
 * hold anything, so whoever would delete the object on an empty record must not.
 */
export function ownersRecordEmpty(text: string | undefined): boolean {
  if (!text) return true;
  const p = parse(text);
  return !p.unreadable && Object.keys(p.owners).length === 0;
}

/**
 * The owners text to write when the record becomes `next`, and whether that is a change. A readable v2 text that
 * already holds `next` is kept as it is: no re-encoding on every pass, and another writer's equal text is never
 * rewritten for its form. A v1 text is a change even when it holds `next` (rewritten once, then v2: no loop); an
 * absent or unreadable one, as before, only when `next` holds something.
 */
export function ownersUpdate(text: string | undefined, next: Record<string, string>): { text: string; changed: boolean } {
  const current = text ? parse(text) : NOTHING;
  const equal = jsonEqual(next, current.owners);
  if (text && equal && !current.legacy && !current.unreadable) return { text, changed: false };
  return { text: serializeOwners(next), changed: current.legacy || !equal };
}

/**
 * The v2 text of a record we write. Its parse is known: the next pass reads our write back with exactly this text
 * (bench:operator, 500 pools: parsing each written version again was ~5% of the operator's CPU in the paced
 * phase). Freezes `owners` (a fresh record of the caller's; copying thousands of keys cost as much).
 */
export function serializeOwners(owners: Record<string, string>): string {
  const byOwner = new Map<string, string[]>();
  for (const [k, owner] of Object.entries(owners)) {
    const keys = byOwner.get(owner);
    if (keys) keys.push(k);
    else byOwner.set(owner, [k]);
  }
  const groups = new Map<string, [string, string | string[]][]>();
  for (const owner of [...byOwner.keys()].sort(byCodeUnit)) {
    const keys = byOwner.get(owner)!.sort(byCodeUnit);
    const cut = owner.lastIndexOf('/') + 1;
    const group = owner.slice(0, cut);
    const stem = ownerStem(owner);
    const written = keys.some((k) => RESERVED_RE.test(k)) ? keys : keys.map((k) => abbreviate(k, stem)).join(' ');
    let names = groups.get(group);
    if (!names) groups.set(group, (names = []));
    names.push([owner.slice(cut), written]);
  }
  const o = Object.fromEntries([...groups].sort(([a], [b]) => byCodeUnit(a, b)).map(([group, names]) => [group, Object.fromEntries(names)]));
  const text = JSON.stringify({ v: VERSION, o });
  remember(text, { owners: Object.freeze(owners), legacy: false, unreadable: false });
  return text;
}

/**
 * A key holding no space and no mark, shortened. {@link expand} undoes it exactly: each mark then stands for the text
 * it replaced (fragments hold no marks, and a stem holding one occurs only in keys that take the array form).
 */
function abbreviate(key: string, stem: string): string {
  return (stem ? key.replaceAll(stem, STEM_MARK) : key).replace(FRAGMENT_RE, (t) => MARK_OF.get(t)!);
}

function expand(written: string, stem: string): string {
  return written.replace(MARK_RE, (m) => (m === STEM_MARK ? stem : TEXT_OF.get(m)!));
}
