/** `1 model`, `2 models`: a count with its noun, for condition and event messages users read. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** The first few of a list, then a count: condition messages stay short however long the list is. */
export function listSome(xs: readonly string[], n = 5): string {
  return xs.length <= n ? xs.join(', ') : `${xs.slice(0, n).join(', ')} and ${xs.length - n} more`;
}
