/**
 * @jest-environment ./test/dataplane/cache/onnx-environment.cjs
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
