import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultEmbeddingModelDir } from './model-dir.js';

describe('defaultEmbeddingModelDir', () => {
  const saved = { xdg: process.env.XDG_CACHE_HOME, dir: process.env.EMBEDDING_MODEL_DIR };
  let tmp = '';
  afterEach(() => {
    for (const [k, v] of [
      ['XDG_CACHE_HOME', saved.xdg],
      ['EMBEDDING_MODEL_DIR', saved.dir],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("is the English model's directory even when the Chinese one (which sorts after it) is installed too", () => {
    tmp = mkdtempSync(join(tmpdir(), 'model-dir-'));
    const root = join(tmp, 'higress-ai-operator');
    for (const d of ['embedding-model-2831f4bea248', 'embedding-model-bge-small-zh-1f17b00092ba']) {
      mkdirSync(join(root, d), { recursive: true });
      for (const f of ['model.onnx', 'tokenizer.json']) writeFileSync(join(root, d, f), '');
    }
    process.env.XDG_CACHE_HOME = tmp;
    delete process.env.EMBEDDING_MODEL_DIR;
    expect(defaultEmbeddingModelDir()).toBe(join(root, 'embedding-model-2831f4bea248'));
    process.env.EMBEDDING_MODEL_DIR = '/models/zh';
    expect(defaultEmbeddingModelDir()).toBe('/models/zh');
  });
});
