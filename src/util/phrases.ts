/** `1 model`, `2 models`: a count with its noun, for condition and event messages users read. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
