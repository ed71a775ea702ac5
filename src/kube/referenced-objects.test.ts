import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { KubeClient, RequestStats } from './client.js';
import { ReferencedObjects } from './referenced-objects.js';
import { Resources } from './resources.js';
import type { RawResponse, StreamResponse, Transport } from './transport.js';
import { createLogger } from '../util/log.js';

/** Lists answer with the one Secret the field selector names (if it "exists"); watches stay open. */
class FakeSecrets implements Transport {
  readonly paths: string[] = [];
  open = 0;
  constructor(private readonly existing: Set<string>) {}
  request(_m: string, path: string): Promise<RawResponse> {
    this.paths.push(decodeURIComponent(path));
    const ns = /namespaces\/([^/]+)\//.exec(path)?.[1] ?? '';
    const name = /metadata\.name%3D([^&]+)/.exec(path)?.[1] ?? /metadata\.name=([^&]+)/.exec(decodeURIComponent(path))?.[1] ?? '';
    const items = this.existing.has(`${ns}/${name}`) ? [{ metadata: { name, namespace: ns, resourceVersion: '1' }, data: {} }] : [];
    return Promise.resolve({ status: 200, body: JSON.stringify({ metadata: { resourceVersion: '1' }, items }) });
  }
  async stream(_p: string, signal: AbortSignal): Promise<StreamResponse> {
    this.open++;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    this.open--;
    return { status: 200, stream: Readable.from([]) };
  }
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('ReferencedObjects', () => {
  it('watches only referenced Secrets, by name, and stops when the last owner lets go', async () => {
    const api = new FakeSecrets(new Set(['a/one']));
    const synced: string[] = [];
    const refs = new ReferencedObjects({
      client: new KubeClient(api, new RequestStats()),
      resource: Resources.Secret,
      logger: createLogger('t', 'silent'),
      onSynced: (k) => synced.push(k),
    });
    refs.setReferences('a/pool-1', ['a/one', 'a/two']);
    refs.setReferences('a/pool-2', ['a/one']);
    refs.start();
    await settle();
    expect(refs.watchedKeys().sort()).toEqual(['a/one', 'a/two']);
    expect(api.paths.every((p) => p.includes('/namespaces/a/secrets') && p.includes('fieldSelector=metadata.name='))).toBe(true);
    expect(api.paths.some((p) => /\/api\/v1\/secrets/.test(p))).toBe(false); // never cluster-wide
    expect(refs.hasSynced()).toBe(true);
    expect(synced.sort()).toEqual(['a/one', 'a/two']);
    expect(refs.store.get('a/one')?.metadata.name).toBe('one');
    expect(refs.isSynced('a/two') && refs.store.get('a/two') === undefined).toBe(true); // listed, absent

    refs.setReferences('a/pool-1', []); // a/two has no owner left; a/one still has pool-2
    await settle();
    expect(refs.watchedKeys()).toEqual(['a/one']);
    refs.setReferences('a/pool-2', []);
    await settle();
    expect(refs.watchedKeys()).toEqual([]);
    expect(api.open).toBe(0);
    await refs.stop();
  });
});
