import { describe, expect, it } from '@jest/globals';
import { cacheRoot, parseVersionsEnv } from './control-plane-binaries.js';

describe('parseVersionsEnv', () => {
  it('reads the pinned versions, ignoring comments and blank lines', () => {
    expect(parseVersionsEnv('# pins\nKUBE_VERSION=v1.35.4\n\nETCD_VERSION=v3.5.35\n')).toEqual({ kube: 'v1.35.4', etcd: 'v3.5.35' });
  });

  it('refuses a file missing a version', () => {
    expect(() => parseVersionsEnv('KUBE_VERSION=v1.35.4\n')).toThrow(/ETCD_VERSION/);
  });
});

describe('cacheRoot', () => {
  it('follows XDG_CACHE_HOME like hack/ensure-control-plane.sh', () => {
    expect(cacheRoot({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/higress-ai-operator');
  });

  it('falls back to ~/.cache when XDG_CACHE_HOME is unset or empty', () => {
    expect(cacheRoot({ HOME: '/home/u' })).toBe('/home/u/.cache/higress-ai-operator');
    expect(cacheRoot({ XDG_CACHE_HOME: '', HOME: '/home/u' })).toBe('/home/u/.cache/higress-ai-operator');
  });
});
