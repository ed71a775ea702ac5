/**
 * @jest-environment ./test/dataplane/cache/onnx-environment.cjs
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheRuntimeSchema, openCache } from '../../../src/cache/runtime-config.js';
import { OnnxEmbedder } from '../../../src/embed/onnx.js';
import { dot } from '../../../src/embed/types.js';

// The real encoder's name is its vector space's identity: a verifier or a cache index trained with one name is
// used only with vectors of that name. A volume mounts every model at the same path, so the name must come from
// the files, not the directory.

const ensure = new URL('../../../hack/ensure-embedding-model.sh', import.meta.url).pathname;
let modelDir = '';
let tmp = '';

beforeAll(() => {
  modelDir = execFileSync('bash', [ensure, '--print-dir'], { encoding: 'utf8' }).trim();
  tmp = mkdtempSync(join(tmpdir(), 'encoder-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copyTo(name: string, tokenizer?: (json: string) => string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  copyFileSync(join(modelDir, 'model.onnx'), join(dir, 'model.onnx'));
  const tok = readFileSync(join(modelDir, 'tokenizer.json'), 'utf8');
  writeFileSync(join(dir, 'tokenizer.json'), tokenizer ? tokenizer(tok) : tok);
  return dir;
}

describe('OnnxEmbedder name', () => {
  it('is the same for the same files under another directory, and differs when a file differs', async () => {
    const here = await OnnxEmbedder.open({ modelDir });
    const mounted = await OnnxEmbedder.open({ modelDir: copyTo('encoder') });
    expect(here.name).toMatch(/^onnx:[0-9a-f]{12}$/);
    expect(mounted.name).toBe(here.name);
    const [a, b] = [...(await here.embed(['How do I reset my password?'])), ...(await mounted.embed(['How do I reset my password?']))];
    expect(dot(a!, b!)).toBeCloseTo(1, 5);
    // Same directory name, other vocabulary (its max length changed): another vector space.
    const other = await OnnxEmbedder.open({ modelDir: copyTo('other', (t) => t.replace(/"max_length":\s*\d+/, '"max_length": 64')) });
    expect(other.name).not.toBe(here.name);
  });
});

// Chinese: bge-small-zh-v1.5 (hack/ensure-embedding-model.sh --model bge-small-zh), a cased WordPiece vocabulary
// of bert-base-chinese's characters and [CLS] pooling, both read from the model's own files. The English model
// maps most Chinese characters to [UNK], so there the cache serves exact matches only (docs/adr/0005-embeddings.md).
describe('OnnxEmbedder with a Chinese model', () => {
  let zhDir = '';
  beforeAll(() => {
    zhDir = execFileSync('bash', [ensure, '--model', 'bge-small-zh', '--print-dir'], { encoding: 'utf8' }).trim();
  });

  it('pools the [CLS] token as its 1_Pooling/config.json says, and ranks Chinese paraphrases above other questions', async () => {
    const zh = await OnnxEmbedder.open({ modelDir: zhDir });
    expect(zh.pooling).toBe('cls');
    expect(zh.dimensions).toBe(512);
    const texts = ['我想退货', '我要退款退货', '如何修改收货地址', '怎么更改我的收货地址？', '今天天气怎么样'];
    for (const t of texts) expect(zh.coverage(t)).toBe(1);
    const [refund1, refund2, address1, address2, weather] = await zh.embed(texts);
    const cos = (a?: Float32Array, b?: Float32Array) => dot(a!, b!);
    expect(cos(refund1, refund2)).toBeGreaterThan(0.8);
    expect(cos(address1, address2)).toBeGreaterThan(0.8);
    for (const other of [address1, address2, weather]) expect(cos(refund1, other)).toBeLessThan(cos(refund1, refund2) - 0.2);
    expect(cos(address1, weather)).toBeLessThan(cos(address1, address2) - 0.2);
    // The English model cannot tell these apart: its vocabulary has few of the characters.
    const en = await OnnxEmbedder.open({ modelDir });
    expect(en.coverage('我想退货')).toBeLessThan(0.8);
  });

  it('is another vector space than the same files pooled by their mean, and refuses a pooling it does not implement', async () => {
    const cls = await OnnxEmbedder.open({ modelDir: zhDir });
    const dir = join(tmp, 'zh-mean');
    mkdirSync(join(dir, '1_Pooling'), { recursive: true });
    for (const f of ['model.onnx', 'tokenizer.json']) copyFileSync(join(zhDir, f), join(dir, f));
    writeFileSync(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ pooling_mode_mean_tokens: true, pooling_mode_cls_token: false }));
    const mean = await OnnxEmbedder.open({ modelDir: dir });
    expect(mean.pooling).toBe('mean');
    expect(mean.name).not.toBe(cls.name);
    writeFileSync(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ pooling_mode_max_tokens: true }));
    await expect(OnnxEmbedder.open({ modelDir: dir })).rejects.toMatchObject({
      reason: 'EmbeddingModelInvalid',
      message: expect.stringContaining('pooling_mode_max_tokens'),
    });
  });

  it('calls a model with a tokenizer it does not implement invalid (what runtimes survive), not a crash', async () => {
    // The multilingual E5 / MiniLM models tokenize with SentencePiece (a Unigram tokenizer.json).
    const dir = copyTo('sentencepiece', () =>
      JSON.stringify({ normalizer: null, pre_tokenizer: { type: 'Metaspace' }, model: { type: 'Unigram', vocab: [['▁', -1]] } }),
    );
    await expect(OnnxEmbedder.open({ modelDir: dir })).rejects.toMatchObject({
      reason: 'EmbeddingModelInvalid',
      message: expect.stringContaining('is not a WordPiece tokenizer.json'),
    });
    const middleware = await openCache(cacheRuntimeSchema.parse({ embedding: { kind: 'onnx', modelDir: dir } }));
    expect(middleware.cache.stats()).toMatchObject({ semantic: false, semanticOff: expect.stringMatching(/^EmbeddingModelInvalid: /) });
    await middleware.cache.close();
  });
});
