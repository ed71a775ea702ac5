import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Where an ONNX embedding model is found when a config does not name one: $EMBEDDING_MODEL_DIR (a
// volume in a cluster), else the directory hack/ensure-embedding-model.sh fills for tests and benches.
export function defaultEmbeddingModelDir(): string | undefined {
  const fromEnv = process.env.EMBEDDING_MODEL_DIR;
  if (fromEnv) return fromEnv;
  const cacheRoot = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'higress-ai-operator');
  if (!existsSync(cacheRoot)) return undefined;
  // Only the default model's directories (`embedding-model-<stamp>`), not another language's
  // (`embedding-model-bge-small-zh-<stamp>`, which sorts after them).
  const dirs = readdirSync(cacheRoot)
    .filter((d) => /^embedding-model-[0-9a-f]{12}$/.test(d))
    .map((d) => join(cacheRoot, d))
    .filter((d) => existsSync(join(d, 'model.onnx')) && existsSync(join(d, 'tokenizer.json')));
  return dirs.sort().pop();
}
