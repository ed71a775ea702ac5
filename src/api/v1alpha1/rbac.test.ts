import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

// kustomize and Helm install the same operator: their ClusterRole rules must not drift apart.
const ROOT = join(import.meta.dirname, '../../..');

describe('RBAC', () => {
  it('the Helm chart grants exactly what config/rbac grants', () => {
    const kustomize = parseAllDocuments(readFileSync(join(ROOT, 'config/rbac/role.yaml'), 'utf8'))
      .map((d) => d.toJS() as { kind: string; rules: unknown[] })
      .find((d) => d.kind === 'ClusterRole');
    const chart = parse(readFileSync(join(ROOT, 'charts/higress-ai-operator/files/clusterrole-rules.yaml'), 'utf8')) as unknown[];
    expect(chart).toEqual(kustomize?.rules);
  });
});
