// The client tools the packaging tests drive: kubectl and helm built from their pinned Go modules, and Lua 5.1
// for the Argo CD health scripts — located (and built on first use) by hack/ensure-tools.sh.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './control-plane-binaries.js';

export interface ClientTools {
  kubectl: string;
  helm: string;
  lua: string;
}

/** Builds kubectl/helm once (minutes on the first run, a second afterwards) and returns their paths. */
export function ensureClientTools(log: (line: string) => void = () => {}): Promise<ClientTools> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(REPO_ROOT, 'hack', 'ensure-tools.sh'), '--print-paths'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
      log(c.toString('utf8').trimEnd());
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const paths = new Map(out.split('\n').flatMap((l) => (/^([A-Z_]+)=(.+)$/.exec(l) ? [[l.split('=')[0]!, l.slice(l.indexOf('=') + 1)] as const] : [])));
      const [kubectl, helm, lua] = [paths.get('KUBECTL_BIN'), paths.get('HELM_BIN'), paths.get('LUA_BIN')];
      if (code === 0 && kubectl && helm && lua) resolve({ kubectl, helm, lua });
      else reject(new Error(`hack/ensure-tools.sh exited with ${code}:\n${err.slice(-3000)}`));
    });
  });
}

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion (repo root as working directory); never throws on a non-zero exit. */
export function runTool(bin: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): ToolResult {
  const run = spawnSync(bin, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    input: opts.input,
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? `${run.error?.message ?? ''}` };
}

/** A JSON value as a Lua 5.1 table constructor — the shape Argo CD hands its health scripts (null ⇒ absent). */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value); // JSON string escapes are valid Lua escapes, except \u
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(', ')}}`;
  const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined);
  return `{${fields.map(([k, v]) => `[${JSON.stringify(k)}] = ${luaLiteral(v)}`).join(', ')}}`;
}

export interface ArgoHealth {
  status: string;
  message: string;
}

/** Runs an Argo CD health script (as Argo CD does: the object in global `obj`, the script returns `hs`). */
export function argoHealth(lua: string, script: string, obj: unknown): ArgoHealth {
  const program = [
    `obj = ${luaLiteral(obj)}`,
    `local check = assert(loadfile(${JSON.stringify(script)}))`,
    'local hs = check()',
    'io.write(hs.status, "\\n", hs.message or "")',
  ].join('\n');
  const run = runTool(lua, ['-'], { input: program });
  if (run.status !== 0) throw new Error(`lua failed (${run.status}): ${run.stderr}`);
  const newline = run.stdout.indexOf('\n');
  return { status: run.stdout.slice(0, newline), message: run.stdout.slice(newline + 1) };
}
