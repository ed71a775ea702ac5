// What `make demo` prints with: lines on stdout and kubectl-style tables.
import type { ResourceType } from '../../src/kube/resources.js';

/** A sample the demo applied, by kind, namespace and name. */
export interface Sample {
  rt: ResourceType;
  namespace: string;
  name: string;
}

export const say = (line = ''): void => void process.stdout.write(`${line}\n`);

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}
