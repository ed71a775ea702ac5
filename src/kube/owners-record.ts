/**
 * The owners record we keep on objects shared with other writers (`ai.higress.io/entry-owners` on the console's
 * WasmPlugins, `ai.higress.io/registry-owners` on McpBridge/default, `ai.higress.io/provider-owners` on
 * ai-proxy.internal): which items of the object are ours and which of our owners holds each. In memory it is
 * `{itemKey: "Kind/namespace/name"}`; on the object it is one annotation string.
 *
 * Format v2 (written): `{"v":2,"o":{"<owner>":"<keys>",…}}`, owners sorted, each owner's keys sorted and joined
 * by a space, and every occurrence of the owner's stem (`<namespace>-<name>-` for `Kind/namespace/name`: our item
 * names are built from it) in a key written as {@link STEM_MARK}. An owner whose keys contain a space or the mark
 * is written as a JSON array of its keys as they are, so any key set round-trips exactly.
 *
 * Why: v1 (`{"<key>":"<owner>",…}`, still read) repeats the owner with every key and the stem inside most keys.
 * At 500 pools of 2 models it was ~40% of ai-proxy.internal's bytes, and the API server caps an object's
 * annotations at 256 KiB in total (`ValidateAnnotationsSize`, k8s.io/apimachinery
 * pkg/api/validation/objectmeta.go, `TotalAnnotationSizeLimitB`): ai-proxy's v1 record reached it near 650 pools
 * of 2 models, after which every write of the plugin failed (docs/evaluation/operator.md, owners16).
 */

/** Stands for the owner's stem inside its keys: not a character of DNS names, so absent from the keys we build. */
export const STEM_MARK = '~';
const VERSION = 2;

type Owners = Readonly<Record<string, string>>;

interface Parsed {
  owners: Owners;
  /** A readable v1 record: rewritten as v2 on our next merge of the object, even when its content is unchanged. */
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

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
    for (const [owner, keys] of Object.entries(value.o)) {
      if (typeof keys === 'string') {
        const stem = ownerStem(owner);
        for (const k of keys.split(' ')) entries.push([stem ? k.replaceAll(STEM_MARK, stem) : k, owner]);
      } else if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) {
        for (const k of keys as string[]) entries.push([k, owner]);
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
 * True for a readable record in the v1 format: a merge of the object rewrites it as v2 even when its content is
 * unchanged (one write per shared object after an upgrade; the rewritten text is v2, so never a loop). Absent and
 * unreadable records are not rewritten for their own sake, as before.
 */
export function legacyOwners(text: string | undefined): boolean {
  return text ? parse(text).legacy : false;
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
  const o = [...byOwner.keys()].sort(cmpStr).map((owner): [string, string | string[]] => {
    const keys = byOwner.get(owner)!.sort(cmpStr);
    const stem = ownerStem(owner);
    if (keys.some((k) => k.includes(' ') || k.includes(STEM_MARK))) return [owner, keys];
    return [owner, keys.map((k) => (stem ? k.replaceAll(stem, STEM_MARK) : k)).join(' ')];
  });
  const text = JSON.stringify({ v: VERSION, o: Object.fromEntries(o) });
  remember(text, { owners: Object.freeze(owners), legacy: false, unreadable: false });
  return text;
}
