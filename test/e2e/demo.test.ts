// The main job, end to end: `hack/demo.ts --once` starts its own control plane, applies config/samples,
// runs the operator until every sample is Ready and prints the generated Higress objects.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');

describe('make demo', () => {
  it('brings every sample to Ready and prints the generated objects without secrets', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error' };
    delete env.NODE_OPTIONS;
    delete env.KUBECONFIG; // the demo must bring its own control plane
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'hack/demo.ts', '--once', '--timeout-seconds=90'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 180_000,
    });
    const out = run.stdout;
    expect({ status: run.status, stderr: run.stderr.slice(-2000) }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(out).toMatch(/(\d+)\/\1 Ready after/);
    // The flywheel runs against the simulator: the SemanticRouter's DATASET grows and ACCURACY appears (the demo fails otherwise).
    expect(out).toMatch(/SemanticRouter ai-demo\/auto: columns moved \(DATASET \d+ → \d+, ACCURACY \d/);
    // The sample router's spec.cache: the demo's repeated question is answered from the cache and counted in status.cache.
    expect(out).toMatch(/request 2: HTTP 200, x-cache: hit-exact/);
    expect(out).toMatch(/SemanticRouter ai-demo\/auto: the repeated question was served from the cache/);
    // The RagPipeline sample's MCP server answers the official MCP client from its index (its ConfigMap source included).
    expect(out).toMatch(/tools\/list: search, answer\n/);
    expect(out).toMatch(/RagPipeline ai-demo\/docs: search answered from the index \(handbook\/api-keys\.md among the passages\)/);
    // Issue 12: the demo shows a published HiMarket product (contract server, local mode), linked to the pool's console AI route.
    const himarket = out.slice(out.indexOf('# HiMarket (contract server'));
    expect(himarket).toMatch(/productId: product-[0-9a-f]{32}/);
    expect(himarket).toMatch(/linkState: Linked/);
    expect(himarket).toMatch(/productStatus: PUBLISHED/);
    const printed = out.slice(out.indexOf('# Generated Higress objects'));
    type Printed = { kind?: string; spec?: { defaultConfig?: { providers?: Array<{ apiTokens?: string[] }> } } };
    const objects = parseAllDocuments(printed.replace(/^#.*$/gm, ''))
      .map((d) => d.toJS() as Printed | null)
      .filter(Boolean);
    const kinds = objects.map((o) => o!.kind);
    expect(kinds).toContain('McpBridge');
    // The console's ai-proxy, model-router, model-mapper, ai-statistics and key-auth plugins carry our entries.
    expect(kinds.filter((k) => k === 'WasmPlugin')).toHaveLength(5);
    expect(kinds.filter((k) => k === 'Ingress').length).toBeGreaterThanOrEqual(8);
    // The samples' API keys reach the ai-proxy config, but never the terminal.
    expect(out).not.toMatch(/sk-demo|sk-ant-demo/);
    const tokens = objects.flatMap((o) => o!.spec?.defaultConfig?.providers ?? []).flatMap((p) => p.apiTokens ?? []);
    expect(tokens.length).toBeGreaterThanOrEqual(5); // gpt-4o, gpt-4o-mini, qwen, deepseek, claude
    expect(new Set(tokens)).toEqual(new Set(['***']));
  });
});
