// The generic controller loop on the real API server: primary and mapped secondary events reach
// reconcile, failures are retried with backoff, requeueAfter is honoured, stop() drains in-flight work.
import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { register } from 'prom-client';
import { KubeClient, RequestStats } from '../../../src/kube/client.js';
import { Controller } from '../../../src/kube/controller.js';
import { WaitError } from '../../../src/kube/errors.js';
import { Informer } from '../../../src/kube/informer.js';
import type { KubeObject } from '../../../src/kube/object.js';
import { ownerKeyFor, withOwner } from '../../../src/kube/owner.js';
import { Resources } from '../../../src/kube/resources.js';
import { createLogger } from '../../../src/util/log.js';
import { testKubeConfig, uniqueNamespace, waitFor } from '../support/kube.js';

jest.setTimeout(60_000);

const log = createLogger('test', 'silent');
let client: KubeClient;
let ns: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  client = KubeClient.fromKubeConfig(testKubeConfig(), new RequestStats());
  ns = await uniqueNamespace('kube-controller');
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function start(
  reconcile: (key: string) => Promise<{ requeueAfterMs?: number } | void>,
  name: string,
  backoff = { baseDelayMs: 20, maxDelayMs: 200, jitter: 0 },
) {
  const primary = new Informer<KubeObject>({ client, resource: Resources.ConfigMap, namespace: ns, labelSelector: `test=${name}`, logger: log });
  const secrets = new Informer<KubeObject>({ client, resource: Resources.Secret, namespace: ns, logger: log });
  const ctl = new Controller({
    name,
    primary,
    secondaries: [{ informer: secrets, map: ownerKeyFor('ConfigMap') }],
    reconcile,
    concurrency: 2,
    backoff,
    logger: log,
  });
  primary.start();
  secrets.start();
  ctl.start();
  cleanups.push(async () => {
    await ctl.stop();
    await Promise.all([primary.stop(), secrets.stop()]);
  });
  return ctl;
}

describe('Controller', () => {
  it('reconciles primaries, maps owned secondaries to their owner, retries failures with backoff', async () => {
    const seen: string[] = [];
    let failuresLeft = 2;
    start((key) => {
      seen.push(key);
      if (key.endsWith('/flaky') && failuresLeft-- > 0) return Promise.reject(Object.assign(new Error('upstream down'), { reason: 'UpstreamUnavailable' }));
      return Promise.resolve();
    }, 'c1');
    await client.create(Resources.ConfigMap, { metadata: { name: 'steady', namespace: ns, labels: { test: 'c1' } } });
    await client.create(Resources.ConfigMap, { metadata: { name: 'flaky', namespace: ns, labels: { test: 'c1' } } });
    await waitFor(() => seen.filter((k) => k === `${ns}/flaky`).length >= 3, { description: 'flaky retried until success' });
    expect(failuresLeft).toBe(-1);

    const before = seen.length;
    await client.create(Resources.Secret, withOwner({ metadata: { name: 'generated', namespace: ns } }, { kind: 'ConfigMap', namespace: ns, name: 'steady' }));
    await waitFor(() => seen.slice(before).includes(`${ns}/steady`), { description: 'secondary event mapped to owner' });
  });

  it('honours requeueAfter and never runs one key twice at once', async () => {
    const running = new Set<string>();
    let overlap = false;
    let runs = 0;
    start(async (key) => {
      if (!key.endsWith('/poll')) return; // other keys (mapped secondaries) may run in parallel
      if (running.has(key)) overlap = true;
      running.add(key);
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      running.delete(key);
      return { requeueAfterMs: 30 };
    }, 'c2');
    await client.create(Resources.ConfigMap, { metadata: { name: 'poll', namespace: ns, labels: { test: 'c2' } } });
    // Updates during a running reconcile must queue behind it, not run beside it.
    for (let i = 0; i < 5; i++) await client.patch(Resources.ConfigMap, 'poll', ns, { data: { i: String(i) } }, 'merge');
    await waitFor(() => runs >= 6, { description: 'periodic requeue' });
    expect(overlap).toBe(false);
  });

  it('polls a key whose reconcile waits (WaitError) at its own delay: no backoff, no error counted', async () => {
    let waitsLeft = 5;
    let done = false;
    // A rate-limited retry would wait a minute before the second attempt: the test would time out.
    start(
      (key) => {
        if (!key.endsWith('/waits')) return Promise.resolve();
        if (waitsLeft-- > 0) return Promise.reject(new WaitError('CachesNotSynced', 'caches still listing', 20));
        done = true;
        return Promise.resolve();
      },
      'c4',
      { baseDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 },
    );
    await client.create(Resources.ConfigMap, { metadata: { name: 'waits', namespace: ns, labels: { test: 'c4' } } });
    await waitFor(() => done, { description: 'reconciled once the wait cleared' });
    const metrics = await register.metrics();
    expect(metrics).not.toMatch(/controller_runtime_reconcile_errors_total\{controller="c4"\} [1-9]/);
    expect(metrics).toMatch(/controller_runtime_reconcile_total\{controller="c4",result="requeue_after"\} 5/);
  });

  it('stop() waits for the in-flight reconcile to finish', async () => {
    let finished = false;
    let startedReconcile = false;
    const ctl = start(async () => {
      startedReconcile = true;
      await new Promise((r) => setTimeout(r, 300));
      finished = true;
    }, 'c3');
    await client.create(Resources.ConfigMap, { metadata: { name: 'slow', namespace: ns, labels: { test: 'c3' } } });
    await waitFor(() => startedReconcile, { description: 'reconcile started' });
    await ctl.stop();
    expect(finished).toBe(true);
  });
});
