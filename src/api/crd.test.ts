import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { renderCrdFiles } from './crd-files.js';
import { StructuralSchemaError, toStructuralSchema, withCel, type JsonSchemaProps } from './crd.js';

const repoRoot = join(import.meta.dirname ?? process.cwd(), '..', '..');

describe('generated CRDs', () => {
  it('crds/ and config/crd/ match the zod schemas byte for byte (run `npm run gen:crds` if this fails)', () => {
    for (const [path, expected] of Object.entries(renderCrdFiles())) {
      let actual: string;
      try {
        actual = readFileSync(join(repoRoot, path), 'utf8');
      } catch {
        throw new Error(`${path} is missing; run npm run gen:crds`);
      }
      expect({ path, text: actual }).toEqual({ path, text: expected });
    }
  });

  it('every node of the ModelPool spec and status schemas is structural (typed, no $ref/anyOf)', async () => {
    const { modelPoolSpecSchema, modelPoolStatusSchema } = await import('./v1alpha1/modelpool.js');
    const offenders: string[] = [];
    const walk = (node: JsonSchemaProps, path: string): void => {
      if (!node.type && node['x-kubernetes-preserve-unknown-fields'] !== true) offenders.push(`${path}: no type`);
      for (const bad of ['$ref', 'anyOf', 'oneOf', 'allOf', 'const']) if (bad in node) offenders.push(`${path}: ${bad}`);
      for (const [k, v] of Object.entries(node.properties ?? {})) walk(v, `${path}.${k}`);
      if (node.items) walk(node.items, `${path}[]`);
      if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}{}`);
    };
    walk(toStructuralSchema(modelPoolSpecSchema), 'spec');
    walk(toStructuralSchema(modelPoolStatusSchema), 'status');
    expect(offenders).toEqual([]);
  });

  it('gives every string and list under a CEL rule a bound, so rule cost stays under budget', async () => {
    const { modelPoolSpecSchema } = await import('./v1alpha1/modelpool.js');
    const unbounded: string[] = [];
    const walk = (node: JsonSchemaProps, path: string): void => {
      if (node.type === 'string' && node.maxLength === undefined && !node.enum && !node.format) unbounded.push(path);
      if (node.type === 'array' && node.maxItems === undefined) unbounded.push(path);
      for (const [k, v] of Object.entries(node.properties ?? {})) walk(v, `${path}.${k}`);
      if (node.items) walk(node.items, `${path}[]`);
    };
    walk(toStructuralSchema(modelPoolSpecSchema), 'spec');
    expect(unbounded).toEqual([]);
  });
});

describe('toStructuralSchema', () => {
  it('rejects unions, which cannot be structural', () => {
    expect(() => toStructuralSchema(z.object({ a: z.union([z.string(), z.number()]) }))).toThrow(StructuralSchemaError);
  });

  it('drops additionalProperties:false, keeps enums, bounds, defaults, descriptions and CEL rules', () => {
    const s = toStructuralSchema(
      withCel(z.strictObject({ e: z.enum(['a', 'b']).default('a').describe('an enum'), n: z.int().min(1).max(9) }), [
        { rule: 'self.n > 0', message: 'positive' },
      ]),
    );
    expect(s.additionalProperties).toBeUndefined();
    expect(s.properties?.e).toEqual({ type: 'string', description: 'an enum', default: 'a', enum: ['a', 'b'] });
    expect(s.properties?.n).toEqual({ type: 'integer', minimum: 1, maximum: 9 });
    expect(s['x-kubernetes-validations']).toEqual([{ rule: 'self.n > 0', message: 'positive' }]);
    expect(s.required).toEqual(['n']);
  });

  it('omits the meaningless ±MAX_SAFE_INTEGER bounds zod puts on plain ints', () => {
    expect(toStructuralSchema(z.int())).toEqual({ type: 'integer' });
  });

  it('marks free-form objects with x-kubernetes-preserve-unknown-fields', () => {
    expect(toStructuralSchema(z.object({ blob: z.looseObject({}) })).properties?.blob).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });
});
