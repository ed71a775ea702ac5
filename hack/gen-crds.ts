// Writes crds/<plural>.<group>.yaml and config/crd/kustomization.yaml from the zod schemas in src/api/.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles } from '../src/api/crd-files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = renderCrdFiles();
mkdirSync(join(root, 'crds'), { recursive: true });
// Remove CRDs of kinds that no longer exist so crds/ mirrors the schemas exactly.
for (const f of readdirSync(join(root, 'crds'))) {
  if (f.endsWith('.yaml') && !(`crds/${f}` in files)) rmSync(join(root, 'crds', f));
}
for (const [path, text] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  console.log(`wrote ${path}`);
}
