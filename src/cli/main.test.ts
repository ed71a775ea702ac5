import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The CLI as users run it (through tsx, as `npm run cli` does): exit codes and what it prints.
const ROOT = join(import.meta.dirname ?? process.cwd(), '../..');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

describe('higress-ai-operator CLI', () => {
  it('scaffold → preview round trip on a real document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
    const s = run('scaffold', 'agent', '--openapi', join(ROOT, 'test/fixtures/openapi/petstore.yaml'), '--pool', 'chat', '--name', 'pets');
    expect(s.status).toBe(0);
    expect(s.stdout).toContain('kind: AgentProduct');
    expect(s.stdout).toContain('kind: Secret');
    const file = join(dir, 'pets.yaml');
    writeFileSync(file, s.stdout.replaceAll('REPLACE-ME', 'secret-value-1'));
    const p = run('preview', file);
    expect(p.status).toBe(0);
    expect(p.stdout).toContain('# MCP servers (19 tools');
    expect(p.stdout).toContain('name: mcp-server-default-pets-api.internal');
    expect(p.stdout).not.toContain('secret-value-1');
    // The agent's console AI route names the pool's provider as its upstream (a route the console accepts).
    expect(p.stdout).toContain('name: ai-route-default-pets-agent');
    expect(p.stdout).toMatch(/"upstreams":\[\{"provider":"default-chat-[^"]+","weight":100/);
  }, 120_000);

  it('a bad spec exits 2 naming the JSON pointer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nservers: [{url: "http://x.test"}]\npaths:\n  /a:\n    get: {responses: {}}\n');
    const r = run('scaffold', 'agent', '--openapi', file, '--pool', 'chat');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('#/paths/~1a/get: operation GET /a has no operationId');
  }, 120_000);
});
