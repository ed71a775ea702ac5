import { z } from 'zod';
import type { CelRule, CrdDefinition, PrinterColumn } from '../crd.js';
import { API_GROUP, API_VERSION, CATEGORIES } from './group.js';

/** An RFC 1123 subdomain: the names of Secrets, ConfigMaps, claims and most other objects. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** metav1.Condition, as kubebuilder renders it (bounded so CEL on status stays cheap). */
export const conditionSchema = z.object({
  type: z
    .string()
    .min(1)
    .max(316)
    .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/)
    .describe('Condition type in CamelCase, e.g. Ready.'),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
    .describe('CamelCase reason a human can grep.'),
  message: z.string().max(32768),
  observedGeneration: z.int().min(0).optional(),
  lastTransitionTime: z.string().meta({ format: 'date-time' }),
});
export type Condition = z.output<typeof conditionSchema>;

/** One object the operator generated on behalf of a custom resource. */
export const generatedObjectSchema = z.object({
  apiVersion: z.string().max(253),
  kind: z.string().max(63),
  namespace: z.string().max(63),
  name: z.string().max(253),
  error: z.string().max(4096).optional().describe('Why the API server or Higress rejected it, if it did.'),
});
export type GeneratedObject = z.output<typeof generatedObjectSchema>;

/**
 * The part of ObjectMeta the operator reads, for parsing whole objects in-process. The CRD itself never
 * carries it (the API server owns metadata); `name` is bounded because names appear in label values.
 */
export const objectMetaSchema = z.object({
  name: z.string().max(63),
  namespace: z.string().optional(),
  generation: z.number().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  deletionTimestamp: z.string().optional(),
  finalizers: z.array(z.string()).optional(),
});

/** A whole object of one of our kinds, as stored: apiVersion, kind, metadata, spec and (optional) status. */
export function customResourceSchema<K extends string, Spec extends z.ZodType, Status extends z.ZodType>(kind: K, spec: Spec, status: Status) {
  return z.object({
    apiVersion: z.literal(`${API_GROUP}/${API_VERSION}`),
    kind: z.literal(kind),
    metadata: objectMetaSchema,
    spec,
    status: status.optional(),
  });
}

/** `status.conditions` as every kind declares it: a list map keyed by `type` (kubebuilder's listType=map). */
export function conditionsSchema(max = 16) {
  return z
    .array(conditionSchema)
    .max(max)
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
    .optional();
}

/** A kind's status: `observedGeneration` and `conditions` first, as every kind of ours has them, then its own fields. */
export function statusSchema<T extends z.ZodRawShape>(fields: T) {
  return z.object({ observedGeneration: z.int().min(0).optional(), conditions: conditionsSchema(), ...fields });
}

/** The printer columns every kind shows: Ready and its reason from the Ready condition, and the age. */
export const readyColumn: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: ".status.conditions[?(@.type=='Ready')].status" };
export const reasonColumn = (priority?: number): PrinterColumn => ({
  name: 'Reason',
  type: 'string',
  jsonPath: ".status.conditions[?(@.type=='Ready')].reason",
  ...(priority !== undefined ? { priority } : {}),
});
export const ageColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** The root rule bounding `metadata.name`, so names generated from it stay within Kubernetes limits. */
export function maxNameRule(kind: string, max: number, why: string): CelRule {
  return { rule: `size(self.metadata.name) <= ${max}`, message: `${kind} names must be at most ${max} characters (${why})`, fieldPath: '.metadata.name' };
}

/** A CRD definition of this group and version, in the categories every kind of ours shares. */
export function defineCrd(def: Omit<CrdDefinition, 'group' | 'version' | 'categories'>): CrdDefinition {
  return { group: API_GROUP, version: API_VERSION, ...def, categories: [...CATEGORIES] };
}
