import { describe, expect, it } from '@jest/globals';
import { KubeClient, RequestStats } from './client.js';
import { mergeRegistries, readMergeWrite, REGISTRY_OWNERS_ANNOTATION, syncRegistrySets, type McpBridge, type Registry } from './mcpbridge.js';
import { serializeOwners } from './owners-record.js';
import { Resources } from './resources.js';
import type { Transport } from './transport.js';

const reg = (name: string, domain = `${name}.example.com`): Registry => ({ name, type: 'dns', domain, port: 443, protocol: 'https' });
const A = 'ModelPool/ns/a';
const B = 'ModelPool/ns/b';

describe('mergeRegistries', () => {
  it('appends our entries (sorted) after foreign ones and records ownership', () => {
    const r = mergeRegistries([reg('console-one')], {}, A, [reg('hao-z'), reg('hao-y')]);
    expect(r).toEqual({
      ok: true,
      changed: true,
      registries: [reg('console-one'), reg('hao-y'), reg('hao-z')],
      owners: { 'hao-y': A, 'hao-z': A },
    });
  });

  it('is unchanged when converged (no write)', () => {
    const current = [reg('console-one'), reg('hao-y')];
    const r = mergeRegistries(current, { 'hao-y': A }, A, [reg('hao-y')]);
    expect(r.ok && r.changed).toBe(false);
  });

  it('updates ours in place, removes ours that are no longer desired, never touches foreign or other owners', () => {
    const current = [reg('hao-old'), reg('console-one'), reg('hao-b'), reg('hao-keep')];
    const owners = { 'hao-old': A, 'hao-keep': A, 'hao-b': B };
    const r = mergeRegistries(current, owners, A, [reg('hao-keep', 'new.example.com')]);
    expect(r).toEqual({
      ok: true,
      changed: true,
      registries: [reg('console-one'), reg('hao-b'), reg('hao-keep', 'new.example.com')],
      owners: { 'hao-keep': A, 'hao-b': B },
    });
  });

  it('removes all of ours on delete', () => {
    const r = mergeRegistries([reg('x'), reg('mine')], { mine: A }, A, []);
    expect(r.ok && r.registries).toEqual([reg('x')]);
    expect(r.ok && r.owners).toEqual({});
  });

  it('refuses to take over a foreign entry or another owner’s entry with the same name', () => {
    const foreign = mergeRegistries([reg('llm-openai.internal')], {}, A, [reg('llm-openai.internal')]);
    expect(foreign).toMatchObject({ ok: false, reason: 'RegistryNameConflict' });
    const other = mergeRegistries([reg('n')], { n: B }, A, [reg('n')]);
    expect(other).toMatchObject({ ok: false, reason: 'RegistryNameConflict', message: expect.stringContaining(B) });
  });

  it('drops owner records whose registry was removed by someone else', () => {
    const r = mergeRegistries([reg('x')], { gone: A }, A, []);
    expect(r).toEqual({ ok: true, changed: true, registries: [reg('x')], owners: {} });
  });
});

describe('readMergeWrite', () => {
  it('merges onto the object its last write returned while the cache still holds the replaced version (no 409 round)', async () => {
    const verbs: string[] = [];
    let rv = 1;
    const transport: Transport = {
      request(method, _path, body) {
        verbs.push(method);
        if (method !== 'PUT') return Promise.resolve({ status: 404, body: JSON.stringify({ kind: 'Status', reason: 'NotFound', code: 404 }) });
        const o = JSON.parse(body ?? '{}') as McpBridge;
        o.metadata.resourceVersion = String(++rv);
        return Promise.resolve({ status: 200, body: JSON.stringify(o) });
      },
      stream: () => Promise.resolve({ status: 410 }),
    };
    const client = new KubeClient(transport, new RequestStats());
    // The informer's copy, which never sees our writes in this test (their watch events "in flight").
    const cached: McpBridge = { metadata: { name: 'default', namespace: 'rmw-test', uid: 'u1', resourceVersion: '1' }, spec: { registries: [] } };
    const seen: (string | undefined)[] = [];
    const add = (name: string) =>
      readMergeWrite<McpBridge>(client, {
        rt: Resources.McpBridge,
        name: 'default',
        namespace: 'rmw-test',
        cached,
        exhausted: () => new Error('exhausted'),
        merge: (o) => {
          seen.push(o?.metadata.resourceVersion);
          return { ...o!, spec: { registries: [...(o?.spec?.registries ?? []), reg(name)] } };
        },
      });
    await add('a');
    await add('b');
    expect(seen).toEqual(['1', '2']);
    expect(verbs).toEqual(['PUT', 'PUT']);
  });
});

describe('syncRegistrySets and the owners record format', () => {
  it('rewrites a v1 record equal in content as v2 once, then writes nothing', async () => {
    let stored: McpBridge = {
      metadata: {
        name: 'default',
        namespace: 'v1-test',
        uid: 'u1',
        resourceVersion: '1',
        annotations: { [REGISTRY_OWNERS_ANNOTATION]: JSON.stringify({ 'hao-a': A }) },
      },
      spec: { registries: [reg('console-one'), reg('hao-a')] },
    };
    const puts: McpBridge[] = [];
    const transport: Transport = {
      request(method, _path, body) {
        if (method === 'GET') return Promise.resolve({ status: 200, body: JSON.stringify(stored) });
        const o = JSON.parse(body ?? '{}') as McpBridge;
        o.metadata.resourceVersion = String(Number(stored.metadata.resourceVersion) + 1);
        puts.push(o);
        stored = o;
        return Promise.resolve({ status: 200, body: JSON.stringify(o) });
      },
      stream: () => Promise.resolve({ status: 410 }),
    };
    const client = new KubeClient(transport, new RequestStats());
    const sync = () => syncRegistrySets(client, { namespace: 'v1-test', desired: new Map([[A, [reg('hao-a')]]]) });
    expect((await sync()).written).toBe(true);
    expect(puts).toHaveLength(1);
    expect(stored.metadata.annotations![REGISTRY_OWNERS_ANNOTATION]).toBe(serializeOwners({ 'hao-a': A }));
    expect(stored.spec?.registries).toEqual([reg('console-one'), reg('hao-a')]);
    expect((await sync()).written).toBe(false);
    expect(puts).toHaveLength(1);
  });
});
