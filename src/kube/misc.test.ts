import { describe, expect, it } from '@jest/globals';
import { eventName } from './events.js';
import { microTime } from './leader.js';
import { installShutdownHandlers, runShutdown } from './shutdown.js';
import { createLogger } from '../util/log.js';

const quiet = createLogger('test', 'silent');

describe('eventName', () => {
  it('is deterministic per (object uid, type, reason, message) and differs otherwise', () => {
    const obj = { metadata: { name: 'pool', uid: 'u1' } };
    const a = eventName(obj, 'Warning', 'SecretNotFound', 'secret s missing');
    expect(a).toBe(eventName(obj, 'Warning', 'SecretNotFound', 'secret s missing'));
    expect(a).toMatch(/^pool\.[0-9a-f]{12}$/);
    expect(eventName(obj, 'Warning', 'SecretNotFound', 'other')).not.toBe(a);
    expect(eventName({ metadata: { name: 'pool', uid: 'u2' } }, 'Warning', 'SecretNotFound', 'secret s missing')).not.toBe(a);
  });
});

describe('microTime', () => {
  it('renders RFC 3339 with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 67))).toBe('2026-01-02T03:04:05.067000Z');
  });
});

describe('runShutdown', () => {
  it('runs steps in order, continues past a failing step and reports it', async () => {
    const order: string[] = [];
    const r = await runShutdown(
      [
        { name: 'informers', run: () => void order.push('informers') },
        {
          name: 'queue',
          run: () => {
            order.push('queue');
            return Promise.reject(new Error('x'));
          },
        },
        {
          name: 'lease',
          run: () => {
            order.push('lease');
            return Promise.resolve();
          },
        },
      ],
      1000,
      quiet,
    );
    expect(order).toEqual(['informers', 'queue', 'lease']);
    expect(r).toEqual({ failed: ['queue'], timedOut: false });
  });

  it('gives up after the timeout', async () => {
    const r = await runShutdown([{ name: 'hang', run: () => new Promise<void>(() => undefined) }], 20, quiet);
    expect(r.timedOut).toBe(true);
  });
});

describe('installShutdownHandlers', () => {
  it('runs the steps once on SIGTERM, exits 0, and a second signal exits 1 at once', async () => {
    const order: string[] = [];
    const codes: number[] = [];
    let releaseQueue: () => void = () => undefined;
    const dispose = installShutdownHandlers(
      [
        { name: 'informers', run: () => void order.push('informers') },
        {
          name: 'queue',
          run: () =>
            new Promise<void>(
              (r) =>
                (releaseQueue = () => {
                  order.push('queue');
                  r();
                }),
            ),
        },
        { name: 'lease', run: () => void order.push('lease') },
      ],
      { signals: ['SIGUSR2'], timeoutMs: 5000, logger: quiet, exit: (c) => codes.push(c) },
    );
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      await new Promise((r) => setImmediate(r));
      expect(order).toEqual(['informers']);
      process.emit('SIGUSR2', 'SIGUSR2');
      expect(codes).toEqual([1]);
      releaseQueue();
      const deadline = Date.now() + 2000;
      while (codes.length < 2 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      expect(order).toEqual(['informers', 'queue', 'lease']);
      expect(codes).toEqual([1, 0]);
    } finally {
      dispose();
    }
  });
});
