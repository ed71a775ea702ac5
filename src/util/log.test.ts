import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from './log.js';

describe('createLogger', () => {
  it('creates a named logger', () => {
    const log = createLogger('test', 'silent');
    expect(log.level).toBe('silent');
  });

  it('redacts secret-bearing fields', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger('test', 'info', sink);
    log.info({ provider: { apiTokens: ['sk-secret'] }, secret: { data: { token: 'c2s=' } } }, 'x');
    const out = lines.join('');
    expect(out).toContain('[REDACTED]');
    expect(out).not.toContain('sk-secret');
    expect(out).not.toContain('c2s=');
  });
});
