import { afterEach, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { KubeClient, RequestStats } from './client.js';
import { Manager } from './manager.js';
import { Resources } from './resources.js';
import type { RawResponse, StreamResponse, Transport } from './transport.js';
import { createLogger } from '../util/log.js';

/** An API server that answers Lease reads with a lease another replica holds, and lists per a switch. */
class FakeApi implements Transport {
  listsSucceed = true;
  request(method: string, path: string): Promise<RawResponse> {
    return Promise.resolve(this.answer(method, path));
  }
  private answer(method: string, path: string): RawResponse {
    if (path.includes('/leases/')) {
      if (method !== 'GET') return { status: 409, body: JSON.stringify({ kind: 'Status', reason: 'Conflict', code: 409 }) };
      return {
        status: 200,
        body: JSON.stringify({
          metadata: { name: 'op', namespace: 'sys', resourceVersion: '1' },
          spec: { holderIdentity: 'replica-a', leaseDurationSeconds: 3600, renewTime: new Date().toISOString() },
        }),
      };
    }
    if (!this.listsSucceed) return { status: 503, body: JSON.stringify({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 }) };
    return { status: 200, body: JSON.stringify({ metadata: { resourceVersion: '5' }, items: [] }) };
  }
  async stream(_p: string, signal: AbortSignal): Promise<StreamResponse> {
    // A watch that stays open until aborted.
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    return { status: 200, stream: Readable.from([]) };
  }
}

const log = createLogger('manager-test', 'silent');
let manager: Manager | undefined;
afterEach(async () => {
  await manager?.stop();
  manager = undefined;
});

const get = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
};

describe('Manager', () => {
  it('serves /healthz and /readyz from start on a standby, and /metrics on its own port', async () => {
    const api = new FakeApi();
    manager = new Manager({
      client: new KubeClient(api, new RequestStats()),
      log,
      healthPort: 0,
      metricsPort: 0,
      bindAddress: '127.0.0.1',
      leaderElection: { namespace: 'sys', name: 'op', identity: 'replica-b', retryPeriodMs: 20 },
    });
    let started = 0;
    manager.add({ start: () => void started++, stop: () => Promise.resolve() });
    manager.informer(Resources.ConfigMap);
    await manager.start();
    const health = `http://127.0.0.1:${manager.healthAddress!.port}`;
    expect(await get(`${health}/healthz`)).toEqual({ status: 200, body: 'ok' });
    await manager.waitForCacheSync(5000);
    const ready = await get(`${health}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatch(/^ok: standby/);
    expect(ready.body).toContain('replica-a');
    expect(started).toBe(0); // controllers wait for the lease
    expect((await get(`${health}/metrics`)).status).toBe(404); // metrics live on their own port
    const metrics = await get(`http://127.0.0.1:${manager.metricsAddress!.port}/metrics`);
    expect(metrics.body).toContain('leader_election_master_status{name="op"} 0');
  });

  it('leads at once without leader election, and is not ready while a required cache cannot list', async () => {
    const api = new FakeApi();
    api.listsSucceed = false;
    manager = new Manager({ client: new KubeClient(api, new RequestStats()), log, healthPort: 0, metricsPort: 'health', bindAddress: '127.0.0.1' });
    let started = 0;
    manager.add({ start: () => void started++, stop: () => Promise.resolve() });
    manager.informer(Resources.ConfigMap);
    manager.informer(Resources.Ingress, { optional: true });
    await manager.start();
    const base = `http://127.0.0.1:${manager.healthAddress!.port}`;
    expect(started).toBe(1);
    expect(await get(`${base}/healthz`)).toEqual({ status: 200, body: 'ok' });
    const notReady = await get(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toContain('leader');
    expect((await get(`${base}/metrics`)).status).toBe(200); // metricsPort 'health': one server
  });

  it('shares one informer per resource and scope', () => {
    manager = new Manager({ client: new KubeClient(new FakeApi(), new RequestStats()), log });
    expect(manager.informer(Resources.Secret)).toBe(manager.informer(Resources.Secret));
    expect(manager.informer(Resources.Secret, { labelSelector: 'a=b' })).not.toBe(manager.informer(Resources.Secret));
  });
});
