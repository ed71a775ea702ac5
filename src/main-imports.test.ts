import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

// Records every module the process loads; prints them as JSON on exit.
const RECORDER = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
const seen = [];
registerHooks({ load(url, ctx, next) { seen.push(url); return next(url, ctx); } });
process.on('exit', () => process.stderr.write('\\nMODULES ' + JSON.stringify(seen) + '\\n'));
`)}`;

/** Every module URL the operator entrypoint's static import graph loads (an unknown command exits right after it). */
function entrypointModules(): string[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', RECORDER, 'src/main.ts', 'no-such-command'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('MODULES '));
  if (!line) throw new Error(`no module list from the entrypoint (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(line.slice('MODULES '.length)) as string[];
}

// What each costs at import is in docs/evaluation/operator.md, "Memory (this session)". Each is imported where it is
// needed, on first use: client-node by src/kube/kubeconfig.ts for exec/auth-provider users, ioredis by the router's
// Redis cache, the MCP SDK by the RagPipeline runtime probe.
const LAZY_PACKAGES = ['@kubernetes/client-node', 'ioredis', '@modelcontextprotocol/sdk'];

describe('the operator entrypoint', () => {
  it(`does not load ${LAZY_PACKAGES.join(', ')}`, () => {
    const modules = entrypointModules();
    expect(modules.some((u) => u.endsWith('/src/operator.ts'))).toBe(true);
    expect(modules.some((u) => u.endsWith('/src/kube/kubeconfig.ts'))).toBe(true);
    for (const pkg of LAZY_PACKAGES) expect({ pkg, loaded: modules.filter((u) => u.includes(`/node_modules/${pkg}/`)) }).toEqual({ pkg, loaded: [] });
  });

  it('stops with exit code 1 and one log line naming the kubeconfig problem', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'operator', '--kubeconfig', '/nonexistent/kubeconfig'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({
      level: 60,
      reason: 'KubeConfigNotFound',
      msg: 'kubeconfig: cannot read /nonexistent/kubeconfig (no such file)',
    });
  });
});
