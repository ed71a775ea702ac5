// Writes config/rbac/*, the chart's RBAC rule files and the chart's crds/ copy from src/rbac/table.ts and the
// zod schemas (src/rbac/files.ts). Run after changing the RBAC table or a CRD: `npx tsx hack/gen-rbac.ts`.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHART_DIR, renderRbacFiles } from '../src/rbac/files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = renderRbacFiles();
// The chart's crds/ mirrors crds/ exactly: drop copies of kinds that no longer exist.
const chartCrds = join(root, CHART_DIR, 'crds');
mkdirSync(chartCrds, { recursive: true });
for (const f of readdirSync(chartCrds)) {
  if (!(`${CHART_DIR}/crds/${f}` in files)) rmSync(join(chartCrds, f));
}
for (const [path, text] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  console.log(`wrote ${path}`);
}
