import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { goldenFiles } from '../../../test/support/golden.js';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkHigressObject, pluginNameOf, PLUGIN_CONTRACTS } from './registry.js';

// Every object the reconcilers' goldens pin, and every object a live Higress console wrote, must pass the
// Higress contracts. Plugins are found generically (label, image, name), so goldens that switch to the
// console's forms (`ai-proxy.internal`, `ai-statistics-2.0.1`, …) are covered without editing this test,
// and a plugin without a contract fails it.

const here = import.meta.dirname ?? process.cwd();
const SRC = join(here, '../..');
const CONSOLE_OBJECTS = join(here, '__fixtures__/console-objects.yaml');

function documents(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as unknown);
}

function check(file: string): { checked: number; plugins: string[]; issues: string[] } {
  let checked = 0;
  const plugins: string[] = [];
  const issues: string[] = [];
  for (const doc of documents(file)) {
    const result = checkHigressObject(doc);
    if (result === undefined) continue;
    checked++;
    const o = doc as { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: { url?: string } };
    if (o.kind === 'WasmPlugin') plugins.push(pluginNameOf(o) ?? '?');
    issues.push(...result.map((i) => `${i.object} ${i.path}: ${i.message}`));
  }
  return { checked, plugins, issues };
}

const goldens = goldenFiles(SRC)
  .map((f) => relative(SRC, f))
  .sort();

describe('golden objects parse through the Higress contracts', () => {
  it('finds goldens to check', () => {
    expect(goldens.length).toBeGreaterThan(0);
  });

  it.each(goldens)('%s', (name) => {
    const { issues } = check(join(SRC, name));
    expect(issues).toEqual([]);
  });

  it('covers WasmPlugins of the goldens with known contracts', () => {
    const plugins = new Set(goldens.flatMap((g) => check(join(SRC, g)).plugins));
    expect(plugins.size).toBeGreaterThan(0);
    for (const p of plugins) expect(Object.keys(PLUGIN_CONTRACTS)).toContain(p);
  });
});

describe("the live console's objects parse through the Higress contracts", () => {
  it('accepts every Higress object the console wrote', () => {
    const { checked, plugins, issues } = check(CONSOLE_OBJECTS);
    expect(issues).toEqual([]);
    expect(checked).toBe(10); // 9 Higress objects and the console's AI route ConfigMap
    expect(plugins.sort()).toEqual(['ai-proxy', 'ai-statistics', 'key-auth', 'mcp-server', 'model-mapper', 'model-router']);
  });
});
