import { describe, expect, it } from '@jest/globals';
import { SseEventAligner } from './sse-aligner.js';

async function run(chunks: string[], cut: boolean): Promise<string> {
  const a = new SseEventAligner();
  const out: Buffer[] = [];
  a.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((r) => a.on('end', r));
  for (const c of chunks) a.write(Buffer.from(c));
  if (cut) a.discardTail();
  a.end();
  await ended;
  return Buffer.concat(out).toString();
}

describe('SseEventAligner', () => {
  it('re-joins events split across chunks', async () => {
    expect(await run(['data: {"a"', ':1}\n', '\ndata: 2\n\n'], false)).toBe('data: {"a":1}\n\ndata: 2\n\n');
  });
  it('drops an unfinished event when the stream was cut', async () => {
    expect(await run(['data: 1\n\ndata: {"trunc'], true)).toBe('data: 1\n\n');
  });
  it('flushes a final event without a trailing blank line on a clean end', async () => {
    expect(await run(['data: 1\r\n\r\ndata: [DONE]'], false)).toBe('data: 1\r\n\r\ndata: [DONE]');
  });
});
