import { z } from 'zod';
import { stringify } from 'yaml';

/**
 * zod → structural Kubernetes OpenAPI v3 schema, and CRD assembly.
 *
 * zod's own JSON Schema emitter (target `openapi-3.0`, input side so defaulted fields are optional) does
 * most of the work; this module post-processes its output into what the API server calls a *structural*
 * schema and refuses (throws) anything it cannot express structurally, so a schema change that would
 * produce an invalid CRD fails at generation time rather than at `kubectl apply`.
 */

/** One CEL rule as written into `x-kubernetes-validations`. */
export interface CelRule {
  rule: string;
  /** Static message; exactly one of message / messageExpression. */
  message?: string;
  messageExpression?: string;
  /** JSONPath-ish path relative to the node carrying the rule, e.g. `.fallback`. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** Metadata key under which CEL rules travel from a zod schema to the CRD. */
export const CEL_META_KEY = 'x-kubernetes-validations';

/** Attach CEL rules to a zod schema (they are emitted verbatim at that node of the OpenAPI schema). */
export function withCel<T extends z.ZodType>(schema: T, rules: readonly CelRule[]): T {
  const existing = (schema.meta()?.[CEL_META_KEY] as CelRule[] | undefined) ?? [];
  return schema.meta({ [CEL_META_KEY]: [...existing, ...rules] });
}

export type JsonSchemaProps = {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JsonSchemaProps>;
  additionalProperties?: JsonSchemaProps | boolean;
  items?: JsonSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  [key: string]: unknown;
};

export class StructuralSchemaError extends Error {
  readonly reason = 'NonStructuralSchema';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path || '<root>'}: ${message}`);
  }
}

// Keys the API server accepts in a structural v1 CRD schema; anything else zod emits is dropped.
const ALLOWED_KEYS = new Set([
  'type',
  'description',
  'title',
  'properties',
  'additionalProperties',
  'items',
  'required',
  'enum',
  'default',
  'format',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'nullable',
  'example',
  'x-kubernetes-validations',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
]);

// zod emits ±MAX_SAFE_INTEGER bounds for plain z.int(); they say nothing to a Kubernetes user.
const SAFE_INT = Number.MAX_SAFE_INTEGER;

const FIRST_KEYS = ['type', 'description'];
const keyRank = (k: string) => (FIRST_KEYS.includes(k) ? FIRST_KEYS.indexOf(k) : FIRST_KEYS.length);

function structural(node: Record<string, unknown>, path: string): JsonSchemaProps {
  for (const forbidden of ['$ref', 'anyOf', 'oneOf', 'allOf', 'not', 'const']) {
    if (forbidden in node) {
      throw new StructuralSchemaError(path, `'${forbidden}' cannot be expressed structurally; restructure the zod schema`);
    }
  }
  const out: JsonSchemaProps = {};
  // type and description first so the YAML reads like a kubebuilder CRD.
  const keys = Object.keys(node).sort((a, b) => keyRank(a) - keyRank(b));
  for (const key of keys) {
    const value = node[key];
    if (!ALLOWED_KEYS.has(key)) continue;
    if (key === 'minimum' && value === -SAFE_INT) continue;
    if (key === 'maximum' && value === SAFE_INT) continue;
    if (key === 'uniqueItems') continue; // forbidden in CRDs; use x-kubernetes-list-type: set instead
    out[key] = value;
  }
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (!out.type && !preserve && !node['x-kubernetes-int-or-string']) {
    throw new StructuralSchemaError(path, 'every node needs a type (or x-kubernetes-preserve-unknown-fields)');
  }
  if (node.properties && typeof node.properties === 'object') {
    const props: Record<string, JsonSchemaProps> = {};
    for (const [name, child] of Object.entries(node.properties as Record<string, Record<string, unknown>>)) {
      props[name] = structural(child, `${path}.${name}`);
    }
    if (Object.keys(props).length > 0) out.properties = props;
    else delete out.properties;
    if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  }
  let additional = node.additionalProperties;
  // `{}` (zod's looseObject / z.unknown values) means "anything", same as `true`.
  if (additional && typeof additional === 'object' && Object.keys(additional).length === 0) additional = true;
  if (additional === false || additional === true) {
    // `false` is forbidden (pruning already drops unknown fields); `true` means "anything".
    delete out.additionalProperties;
    if (additional === true && !out.properties) out['x-kubernetes-preserve-unknown-fields'] = true;
  } else if (additional && typeof additional === 'object') {
    if (out.properties) throw new StructuralSchemaError(path, 'properties and additionalProperties are mutually exclusive');
    out.additionalProperties = structural(additional as Record<string, unknown>, `${path}{}`);
  }
  if (node.items) {
    if (Array.isArray(node.items)) throw new StructuralSchemaError(path, 'tuple items are not structural');
    out.items = structural(node.items as Record<string, unknown>, `${path}[]`);
  }
  if (out.type === 'array' && !out.items) throw new StructuralSchemaError(path, 'arrays need items');
  if (out.type === 'object' && !out.properties && !out.additionalProperties && !preserve) {
    // An empty object schema would prune every field; say so explicitly instead.
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  return out;
}

/** Convert a zod schema into a structural OpenAPI v3 schema for a CRD version. */
export function toStructuralSchema(schema: z.ZodType): JsonSchemaProps {
  const raw = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'throw',
    reused: 'inline',
    cycles: 'throw',
  }) as Record<string, unknown>;
  delete raw.$schema;
  return structural(raw, '');
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** Everything that distinguishes one kind's CRD from another. */
export interface CrdDefinition {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  /** Validates `spec`. */
  spec: z.ZodType;
  /** Validates `status` (served through the status subresource). */
  status: z.ZodType;
  printerColumns: PrinterColumn[];
  /** CEL rules at the object root (they can see `self.metadata.name`). */
  rootRules?: CelRule[];
  description: string;
}

/** Build the CRD object for one kind (single served + storage version). */
export function buildCrd(def: CrdDefinition): Record<string, unknown> {
  const root: JsonSchemaProps = {
    type: 'object',
    description: def.description,
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      // Declaring metadata.name lets root CEL rules point their fieldPath at it.
      metadata: { type: 'object', properties: { name: { type: 'string' } } },
      spec: toStructuralSchema(def.spec),
      status: toStructuralSchema(def.status),
    },
    required: ['spec'],
  };
  if (def.rootRules?.length) root[CEL_META_KEY] = def.rootRules;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${def.plural}.${def.group}`,
      labels: { 'app.kubernetes.io/name': 'higress-ai-operator', 'app.kubernetes.io/part-of': 'higress-ai-operator' },
    },
    spec: {
      group: def.group,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: def.categories,
      },
      scope: 'Namespaced',
      versions: [
        {
          name: def.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns,
          schema: { openAPIV3Schema: root },
        },
      ],
    },
  };
}

/** File name the generator writes for a CRD, relative to `crds/`. */
export function crdFileName(def: CrdDefinition): string {
  return `${def.plural}.${def.group}.yaml`;
}

const HEADER = '# Generated by hack/gen-crds.ts from src/api/ zod schemas. Do not edit; run `npm run gen:crds`.\n';

/** Render a CRD as the exact bytes written to disk (deterministic). */
export function renderCrdYaml(def: CrdDefinition): string {
  return HEADER + stringify(buildCrd(def), { lineWidth: 0, aliasDuplicateObjects: false });
}
