import { expect } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * Golden files for the pure reconcilers: `UPDATE_GOLDEN=1` rewrites them; a missing golden is written
 * locally but fails in CI, so a golden is always reviewed in a diff.
 */
export function expectGolden(dir: string, name: string, text: string): void {
  const file = join(dir, `${name}.yaml`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) throw new Error(`missing golden ${file}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toEqual(readFileSync(file, 'utf8'));
}

/** Documents as one multi-document YAML, the golden files' format. */
export function yamlDocs(docs: readonly unknown[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/** Every YAML file in any `__golden__` folder below `dir` (the reconcilers' goldens, builders' own goldens too). */
export function goldenFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (!e.isDirectory()) return [];
    if (e.name === '__golden__')
      return readdirSync(path)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(path, f));
    return goldenFiles(path);
  });
}
