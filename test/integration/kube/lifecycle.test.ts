// Finalizers, Events and leader election against the real API server.
import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { KubeClient, RequestStats } from '../../../src/kube/client.js';
import { modelPoolResource } from '../../../src/controllers/resources.js';
import { EventRecorder } from '../../../src/kube/events.js';
import { addFinalizer, hasFinalizer, isBeingDeleted, removeFinalizer } from '../../../src/kube/finalizers.js';
import { LeaderElector, type Lease } from '../../../src/kube/leader.js';
import type { KubeObject } from '../../../src/kube/object.js';
import { Resources } from '../../../src/kube/resources.js';
import { createLogger } from '../../../src/util/log.js';
import { operatorKubeConfig, testKubeConfig, uniqueNamespace, waitFor } from '../support/kube.js';

jest.setTimeout(60_000);

const log = createLogger('test', 'silent');
let client: KubeClient;
let ns: string;

beforeAll(async () => {
  client = KubeClient.fromKubeConfig(testKubeConfig(), new RequestStats());
  ns = await uniqueNamespace('kube-lifecycle');
});

describe('finalizers', () => {
  it('holds deletion until removed; add/remove are idempotent and guarded by resourceVersion', async () => {
    const cm = await client.create<KubeObject>(Resources.ConfigMap, { metadata: { name: 'fin', namespace: ns } });
    const withFin = await addFinalizer(client, Resources.ConfigMap, cm);
    expect(hasFinalizer(withFin)).toBe(true);
    const writes = client.stats.writeCount();
    expect(await addFinalizer(client, Resources.ConfigMap, withFin)).toBe(withFin); // no request
    expect(client.stats.writeCount()).toBe(writes);

    // A stale copy cannot remove the finalizer (someone changed the object since).
    await client.patch(Resources.ConfigMap, 'fin', ns, { metadata: { labels: { touched: 'yes' } } }, 'merge');
    await expect(removeFinalizer(client, Resources.ConfigMap, withFin)).rejects.toMatchObject({ reason: 'Conflict' });

    await client.delete(Resources.ConfigMap, 'fin', ns);
    const terminating = await client.get<KubeObject>(Resources.ConfigMap, 'fin', ns);
    expect(terminating && isBeingDeleted(terminating)).toBe(true);
    await removeFinalizer(client, Resources.ConfigMap, terminating!);
    await waitFor(async () => (await client.get(Resources.ConfigMap, 'fin', ns)) === undefined, { description: 'object gone' });
  });
});

describe('EventRecorder', () => {
  it('writes the first occurrence, stays quiet on repeats, aggregates into one Event with a count', async () => {
    const involved = await client.create<KubeObject>(Resources.ConfigMap, { metadata: { name: 'ev', namespace: ns } });
    let now = 1_800_000_000_000;
    // As the operator's ServiceAccount (the generated RBAC): the restart path below reads the existing Event.
    const operator = KubeClient.fromKubeConfig(operatorKubeConfig(), new RequestStats());
    const rec = new EventRecorder(operator, { dedupeWindowMs: 60_000, now: () => now, logger: log });
    expect(await rec.record(Resources.ConfigMap, involved, 'Warning', 'SecretNotFound', 'secret x missing')).toBe(true);
    const writes = operator.stats.writeCount();
    for (let i = 0; i < 5; i++) expect(await rec.record(Resources.ConfigMap, involved, 'Warning', 'SecretNotFound', 'secret x missing')).toBe(false);
    expect(operator.stats.writeCount()).toBe(writes); // resync spam writes nothing

    now += 61_000;
    expect(await rec.record(Resources.ConfigMap, involved, 'Warning', 'SecretNotFound', 'secret x missing')).toBe(true);
    // A restarted operator (new recorder, empty memory) aggregates into the same Event.
    const rec2 = new EventRecorder(operator, { now: () => now, logger: log });
    expect(await rec2.record(Resources.ConfigMap, involved, 'Warning', 'SecretNotFound', 'secret x missing')).toBe(true);

    const { items } = await client.list<KubeObject & { count?: number; reason?: string; involvedObject?: { uid?: string } }>(Resources.Event, {
      namespace: ns,
    });
    const mine = items.filter((e) => e.involvedObject?.uid === involved.metadata.uid);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ reason: 'SecretNotFound', type: 'Warning', count: 8 });
  });

  it('records an Event on an object that is gone (no uid): a ModelPool whose routes could not be deleted', async () => {
    const operator = KubeClient.fromKubeConfig(operatorKubeConfig(), new RequestStats());
    const rec = new EventRecorder(operator, { logger: log });
    const gone = { apiVersion: 'ai.higress.io/v1alpha1', kind: 'ModelPool', metadata: { namespace: ns, name: 'gone-pool' } };
    expect(await rec.record(modelPoolResource, gone, 'Warning', 'CleanupFailed', 'its routes could not be deleted')).toBe(true);
    const { items } = await client.list<KubeObject & { reason?: string; involvedObject?: { kind?: string; name?: string } }>(Resources.Event, {
      namespace: ns,
    });
    expect(items.find((e) => e.reason === 'CleanupFailed')?.involvedObject).toMatchObject({ kind: 'ModelPool', name: 'gone-pool' });
  });
});

describe('LeaderElector', () => {
  const electors: LeaderElector[] = [];
  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.release()));
  });

  function elector(name: string, identity: string, events: string[]): LeaderElector {
    const e = new LeaderElector({
      client,
      namespace: ns,
      name,
      identity,
      leaseDurationMs: 4_000,
      renewDeadlineMs: 3_000,
      retryPeriodMs: 200,
      onStartedLeading: () => events.push(`${identity} started`),
      onStoppedLeading: () => events.push(`${identity} stopped`),
      logger: log,
    });
    electors.push(e);
    return e;
  }

  it('one leader at a time; release hands over to the candidate at once', async () => {
    const events: string[] = [];
    const a = elector('lead-1', 'a', events);
    a.start();
    await waitFor(() => a.isLeader(), { description: 'a leads' });
    const b = elector('lead-1', 'b', events);
    b.start();
    // b keeps trying while a renews: it must not become leader during a full lease duration.
    const until = Date.now() + 4_500;
    while (Date.now() < until) {
      expect(b.isLeader()).toBe(false);
      await new Promise((r) => setTimeout(r, 100));
    }
    const released = Date.now();
    await a.release();
    await waitFor(() => b.isLeader(), { description: 'b takes over', timeoutMs: 5_000 });
    expect(Date.now() - released).toBeLessThan(2_500); // well under the 4 s lease: no waiting for expiry after a release
    expect(events).toEqual(['a started', 'a stopped', 'b started']);
    const lease = await client.get<Lease>(Resources.Lease, 'lead-1', ns);
    expect(lease?.spec?.holderIdentity).toBe('b');
    expect(lease?.spec?.leaseTransitions).toBe(0); // a released (emptied) the lease: not a takeover
  });

  it('takes over an abandoned lease after it expires, and a leader that cannot renew steps down', async () => {
    const events: string[] = [];
    const a = elector('lead-2', 'a', events);
    a.start();
    await waitFor(() => a.isLeader(), { description: 'a leads' });
    // Somebody else grabs the lease behind a's back and keeps renewing it: a must notice and stop.
    const lease = await client.get<Lease>(Resources.Lease, 'lead-2', ns);
    await client.update<Lease>(Resources.Lease, {
      ...lease!,
      spec: { ...lease!.spec, holderIdentity: 'intruder', renewTime: new Date().toISOString().replace('Z', '000Z') },
    });
    await waitFor(() => !a.isLeader(), { description: 'a steps down', timeoutMs: 8_000 });
    expect(events).toEqual(['a started', 'a stopped']);
    // The intruder never renews, so after the lease duration a new candidate takes it.
    const c = elector('lead-2', 'c', events);
    c.start();
    await waitFor(() => c.isLeader() || a.isLeader(), { description: 'someone takes over the expired lease', timeoutMs: 12_000 });
  });
});
