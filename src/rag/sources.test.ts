import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ragSourceSchema } from './config.js';
import { collectDocuments } from './sources.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rag-sources-'));
  // A ConfigMap mount: one file per key, plus the ..data entries Kubernetes adds.
  await mkdir(join(root, 'handbook', '..2026_11_22'), { recursive: true });
  await writeFile(join(root, 'handbook', 'vacation.md'), 'Employees get 25 days of vacation.');
  await writeFile(join(root, 'handbook', 'travel.md'), 'Book trains for trips under 500 km.');
  // A PVC mount with nested files, a JSON document list and a corrupt JSON file.
  await mkdir(join(root, 'archive', 'sub'), { recursive: true });
  await writeFile(join(root, 'archive', 'sub', 'notes.txt'), 'The archive keeps old notes.');
  await writeFile(join(root, 'archive', 'docs.json'), JSON.stringify({ documents: [{ id: 'a1', title: 'A1', text: 'First archived doc.' }] }));
  await writeFile(join(root, 'archive', 'broken.json'), '{"documents": [');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const doc = (sources: unknown[]) => ({ mountRoot: root, items: z.array(ragSourceSchema).parse(sources) });

describe('collectDocuments', () => {
  it('reads inline, ConfigMap-mounted, PVC-mounted and URL sources, tagging each with its source', async () => {
    const fakeFetch = (() => Promise.resolve(new Response(JSON.stringify([{ id: 'u1', title: 'U', text: 'From a URL.' }])))) as typeof fetch;
    const { documents, problems } = await collectDocuments(
      doc([
        { name: 'faq', type: 'inline', documents: [{ id: 'f1', title: 'FAQ', text: 'Ask HR.' }] },
        { name: 'handbook', type: 'configMap', configMap: { name: 'hb' } },
        { name: 'archive', type: 'pvc', pvc: { claimName: 'c', path: '/' } },
        { name: 'remote', type: 'url', url: 'http://docs.svc/export' },
      ]),
      { fetch: fakeFetch },
    );
    expect(documents.map((d) => [d.source, d.id]).sort()).toEqual([
      ['archive', 'a1'],
      ['archive', 'archive/sub/notes.txt'],
      ['faq', 'f1'],
      ['handbook', 'hb/travel.md'],
      ['handbook', 'hb/vacation.md'],
      ['remote', 'u1'],
    ]);
    expect(problems).toEqual([{ source: 'archive', reason: 'InvalidJson', message: expect.stringContaining('archive/broken.json') }]);
  });

  it('honours a single ConfigMap key and reports an unreadable source without failing the rest', async () => {
    const failing = (() => Promise.resolve(new Response('nope', { status: 503 }))) as typeof fetch;
    const { documents, problems } = await collectDocuments(
      doc([
        { name: 'handbook', type: 'configMap', configMap: { name: 'hb', key: 'travel.md' } },
        { name: 'remote', type: 'url', url: 'http://docs.svc/export' },
        { name: 'missing', type: 'pvc', pvc: { claimName: 'c' } },
      ]),
      { fetch: failing },
    );
    expect(documents.map((d) => d.id)).toEqual(['hb/travel.md']);
    expect(problems.map((p) => [p.source, p.reason])).toEqual([
      ['remote', 'SourceUnreadable'],
      ['missing', 'SourceUnreadable'],
    ]);
  });
});
