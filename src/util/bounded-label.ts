/** The label value every unknown input collapses to. */
export const OTHER_LABEL = 'other';

/**
 * Keeps a metric label's cardinality bounded when its value comes from a client (a model name in a request
 * body): values in `allowed` (the configured models) pass, anything else becomes `other`. Pure.
 */
export function boundedLabel(value: string | undefined, allowed: { has(v: string): boolean }): string {
  return value !== undefined && allowed.has(value) ? value : OTHER_LABEL;
}
