import { describe, expect, it } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KubeObject } from './object.js';
import { OwnWrites } from './own-writes.js';

const obj = (rv: string, uid = 'u1'): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name: 'a', namespace: 'ns', uid, resourceVersion: rv } });

describe('OwnWrites', () => {
  it('recognises the versions our writes produced, not others', () => {
    const w = new OwnWrites<KubeObject>();
    w.record(obj('1'), obj('2'));
    w.record(obj('2'), obj('3')); // finalizer, then status, before either event arrived
    expect(w.isEcho(obj('2'))).toBe(true);
    expect(w.isEcho(obj('3'))).toBe(true);
    expect(w.isEcho(obj('4'))).toBe(false); // someone else's write
    expect(w.isEcho(obj('3', 'u2'))).toBe(false); // a new object of the same name
  });

  it('reads our last write while the cache holds a version we wrote over', () => {
    const w = new OwnWrites<KubeObject>();
    w.record(obj('1'), obj('2'));
    w.record(obj('2'), obj('3'));
    expect(w.newest(obj('1')).metadata.resourceVersion).toBe('3');
    expect(w.newest(obj('2')).metadata.resourceVersion).toBe('3');
    expect(w.newest(obj('3')).metadata.resourceVersion).toBe('3');
    const foreign = obj('5');
    expect(w.newest(foreign)).toBe(foreign);
    w.forget('ns/a');
    expect(w.isEcho(obj('3'))).toBe(false);
  });

  it('lets go of its copy once the cache has caught up, and still knows the echoes', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const w = new OwnWrites<KubeObject>();
    const ref = (() => {
      const written = obj('2');
      w.record(obj('1'), written);
      expect(w.newest(obj('1'))).toBe(written);
      return new WeakRef(written);
    })();
    expect(w.isEcho(obj('2'))).toBe(true); // the echo's event: the cache now holds our write
    await new Promise((r) => setImmediate(r));
    gc();
    expect(ref.deref()).toBeUndefined();
    const caughtUp = obj('2');
    expect(w.newest(caughtUp)).toBe(caughtUp);
    expect(w.isEcho(obj('2'))).toBe(true);
    w.record(obj('2'), obj('3')); // a later write is remembered again
    expect(w.newest(obj('2')).metadata.resourceVersion).toBe('3');
  });
});
