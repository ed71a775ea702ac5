// Informer against the real API server: add/update/delete, resuming a dropped watch from the last
// resourceVersion (no relist), relisting after an expired resourceVersion (410), and the relist diff.
import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { KubeClient, RequestStats } from '../../../src/kube/client.js';
import { Informer } from '../../../src/kube/informer.js';
import { keyOf, type KubeObject } from '../../../src/kube/object.js';
import { Resources } from '../../../src/kube/resources.js';
import { createLogger } from '../../../src/util/log.js';
import { testKubeConfig, uniqueNamespace, waitFor } from '../support/kube.js';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

jest.setTimeout(60_000);
const log = createLogger('test', 'silent');
let client: KubeClient;
let ns: string;
const started: Array<Informer<ConfigMap>> = [];

function recorder(inf: Informer<ConfigMap>): string[] {
  const events: string[] = [];
  inf.addEventHandler({
    onAdd: (o) => events.push(`add ${o.metadata.name}`),
    onUpdate: (old, o) => events.push(`${old === o ? 'resync' : 'update'} ${o.metadata.name} ${o.data?.v ?? ''}`),
    onDelete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  return events;
}

function informer(): Informer<ConfigMap> {
  const inf = new Informer<ConfigMap>({ client, resource: Resources.ConfigMap, namespace: ns, logger: log });
  started.push(inf);
  return inf;
}

const cm = (name: string, v: string): ConfigMap => ({ metadata: { name, namespace: ns }, data: { v } });

beforeAll(async () => {
  client = KubeClient.fromKubeConfig(testKubeConfig(), new RequestStats());
  ns = await uniqueNamespace('kube-informer');
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((i) => i.stop()));
});

describe('Informer', () => {
  it('lists existing objects, then sees add, update and delete through the watch', async () => {
    await client.create(Resources.ConfigMap, cm('pre', '0'));
    const inf = informer();
    const events = recorder(inf);
    inf.start();
    await inf.waitForSync(10_000);
    expect(inf.hasSynced()).toBe(true);
    expect(inf.store.get(`${ns}/pre`)?.data?.v).toBe('0');

    await client.create(Resources.ConfigMap, cm('a', '1'));
    await waitFor(() => inf.store.get(`${ns}/a`), { description: 'add a' });
    const a = inf.store.get(`${ns}/a`)!;
    await client.update(Resources.ConfigMap, { ...a, data: { v: '2' } });
    await waitFor(() => inf.store.get(`${ns}/a`)?.data?.v === '2', { description: 'update a' });
    await client.delete(Resources.ConfigMap, 'a', ns);
    await waitFor(() => !inf.store.get(`${ns}/a`), { description: 'delete a' });

    expect(events).toEqual(['add pre', 'add a', 'update a 2', 'delete a']);
    expect(inf.store.byNamespace(ns).map(keyOf)).toEqual([`${ns}/pre`]);
    expect(inf.stats.lists).toBe(1);

    inf.resync();
    expect(events.at(-1)).toBe('resync pre 0');
  });

  it('resumes a dropped watch from the last resourceVersion without relisting or missing events', async () => {
    const inf = informer();
    const events = recorder(inf);
    inf.start();
    await inf.waitForSync();
    const watchesBefore = inf.stats.watches;
    inf.restartWatch();
    await client.create(Resources.ConfigMap, cm('after-restart', '1'));
    await waitFor(() => inf.store.get(`${ns}/after-restart`), { description: 'event after watch restart' });
    expect(inf.stats.watches).toBeGreaterThan(watchesBefore);
    expect(inf.stats.lists).toBe(1);
    expect(events.filter((e) => e === 'add after-restart')).toHaveLength(1);
  });

  it('relists when the resourceVersion it resumes from has expired (real 410 Gone from the watch cache)', async () => {
    // A CRD-backed kind: its watch cache started when the CRD was installed, so resourceVersion 1 is
    // older than anything it holds and the server answers `too old resource version` (410 Expired).
    const bridges = new Informer<KubeObject>({ client, resource: Resources.McpBridge, namespace: ns, logger: log });
    started.push(bridges);
    const adds: string[] = [];
    bridges.addEventHandler({ onAdd: (o) => adds.push(o.metadata.name ?? '') });
    await client.create(Resources.McpBridge, { metadata: { name: 'before', namespace: ns }, spec: { registries: [] } } as KubeObject);
    bridges.start();
    await bridges.waitForSync();
    bridges.restartWatch('1');
    await waitFor(() => bridges.stats.goneRelists >= 1, { description: '410 → relist' });
    expect(bridges.stats.lists).toBeGreaterThanOrEqual(2);
    expect(Number(bridges.lastResourceVersion())).toBeGreaterThan(1);
    await client.create(Resources.McpBridge, { metadata: { name: 'after', namespace: ns }, spec: { registries: [] } } as KubeObject);
    await waitFor(() => bridges.store.get(`${ns}/after`), { description: 'watch works after relist' });
    // The relist found `before` unchanged, so it was not re-announced.
    expect(adds).toEqual(['before', 'after']);
  });

  it('advances its resume point through bookmarks and resumes after the server ends the watch', async () => {
    const quiet = await uniqueNamespace('kube-informer-quiet');
    const inf = new Informer<ConfigMap>({ client, resource: Resources.ConfigMap, namespace: quiet, logger: log, watchTimeoutSeconds: 4 });
    started.push(inf);
    inf.start();
    await inf.waitForSync();
    const listedAt = Number(inf.lastResourceVersion());
    // Writes elsewhere move the cache's resourceVersion; the server reports that to our (quiet)
    // watch as a bookmark shortly before the watch's timeout.
    const elsewhere = await uniqueNamespace('kube-informer-elsewhere');
    await client.create(Resources.ConfigMap, { metadata: { name: 'noise', namespace: elsewhere } });
    await waitFor(() => inf.stats.bookmarks >= 1, { description: 'a bookmark', timeoutMs: 15_000 });
    expect(Number(inf.lastResourceVersion())).toBeGreaterThan(listedAt);
    expect(inf.store.size).toBe(0);
    await waitFor(() => inf.stats.watches >= 2, { description: 'watch resumed after server-side timeout', timeoutMs: 15_000 });
    expect(inf.stats.lists).toBe(1);
    await client.create(Resources.ConfigMap, { metadata: { name: 'after-timeout', namespace: quiet } });
    await waitFor(() => inf.store.get(`${quiet}/after-timeout`), { description: 'event after resumed watch' });
  });

  it('emits the difference after missing events while stopped (relist diff: add, update, delete)', async () => {
    await client.create(Resources.ConfigMap, cm('stay', '1'));
    await client.create(Resources.ConfigMap, cm('goes', '1'));
    const inf = informer();
    const events = recorder(inf);
    inf.start();
    await inf.waitForSync();
    await inf.stop();
    events.length = 0;

    await client.delete(Resources.ConfigMap, 'goes', ns);
    const stay = await client.get<ConfigMap>(Resources.ConfigMap, 'stay', ns);
    await client.update(Resources.ConfigMap, { ...stay!, data: { v: '2' } });
    await client.create(Resources.ConfigMap, cm('new', '1'));

    inf.start();
    await waitFor(() => events.includes('delete goes') && events.includes('add new') && events.includes('update stay 2'), {
      description: 'relist diff events',
    });
    expect(inf.store.get(`${ns}/goes`)).toBeUndefined();
  });
});
