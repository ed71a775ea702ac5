import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

// Issue 7 "habits that keep it so": one file-naming style. Every source file and folder is kebab-case
// (dots separate suffixes: `x.test.ts`, `x.cases.ts`); only the golden/fixture folders keep their markers.

const ROOT = join(import.meta.dirname ?? process.cwd(), '../..');
const KEBAB_FILE = /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*\.(ts|js|mjs|cjs)$/;
const KEBAB_DIR = /^([a-z0-9]+(-[a-z0-9]+)*|__golden__|__fixtures__)$/;

function misnamed(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : [...(KEBAB_DIR.test(e.name) ? [] : [relative(ROOT, path)]), ...misnamed(path)];
    return /\.[cm]?[jt]s$/.test(e.name) && !KEBAB_FILE.test(e.name) ? [relative(ROOT, path)] : [];
  });
}

describe('file names', () => {
  it('are kebab-case in src/, test/, bench/ and hack/', () => {
    expect(['src', 'test', 'bench', 'hack'].flatMap((d) => misnamed(join(ROOT, d)))).toEqual([]);
  });
});
