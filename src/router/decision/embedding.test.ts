import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EmbeddingError, HashedTfidfBackend, OpenAIEmbeddingsBackend } from './embedding.js';
import { HashedTfidfFeaturizer } from './featurizer.js';

describe('embedding backends', () => {
  let server: Server;
  let url = '';
  let lastBody: unknown = null;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        lastBody = JSON.parse(raw);
        const { input } = lastBody as { input: string[] };
        if (input.includes('fail')) {
          res.writeHead(500).end('{}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        // Reverse order on purpose: the client must place vectors by `index`.
        const data = input.map((t, i) => ({ index: i, embedding: [t.length, 0, 0] })).reverse();
        res.end(JSON.stringify({ object: 'list', data }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('OpenAI-compatible /v1/embeddings: L2-normalised dense vectors in input order', async () => {
    const backend = new OpenAIEmbeddingsBackend({ baseUrl: url, model: 'embed-small' });
    const [a, b] = await backend.embed(['ab', 'abcd']);
    expect(lastBody).toEqual({ model: 'embed-small', input: ['ab', 'abcd'] });
    expect(a).toEqual({ kind: 'dense', values: Float32Array.from([1, 0, 0]) });
    expect(b?.kind).toBe('dense');
    expect(backend.id).toBe('openai-embeddings:embed-small');
  });

  it('reports upstream failures with a reason', async () => {
    const backend = new OpenAIEmbeddingsBackend({ baseUrl: url, model: 'm' });
    await expect(backend.embed(['fail'])).rejects.toMatchObject({ reason: 'EmbeddingRequestFailed' });
    await expect(backend.embed(['fail'])).rejects.toBeInstanceOf(EmbeddingError);
  });

  it('hashed TF-IDF backend returns stable sparse copies', async () => {
    const backend = new HashedTfidfBackend(new HashedTfidfFeaturizer({ dimBits: 10, wordNgrams: [1, 1], charNgrams: [0, 0], maxChars: 100 }));
    const [x, y] = await backend.embed(['one two', 'three']);
    expect(x?.kind).toBe('sparse');
    expect(x && x.kind === 'sparse' ? x.nnz : 0).toBe(3);
    expect(y && y.kind === 'sparse' ? y.nnz : 0).toBe(2);
  });
});
