/** RFC 6901 JSON pointers as `#/…` URI fragments, the form `$ref` uses. */

const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
const unescape = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');

/** `#/a/b~1c` from ['a', 'b/c']. */
export function pointerOf(tokens: readonly (string | number)[]): string {
  return tokens.length === 0 ? '#' : `#/${tokens.map((t) => escape(String(t))).join('/')}`;
}

/** Append tokens to an existing pointer. */
export function childPointer(base: string, ...tokens: (string | number)[]): string {
  return tokens.length === 0 ? base : `${base}/${tokens.map((t) => escape(String(t))).join('/')}`;
}

/** Tokens of a local `#/…` pointer, or undefined when the text is not one (external refs, bare names). */
export function parseLocalPointer(ref: string): string[] | undefined {
  if (ref === '#') return [];
  if (!ref.startsWith('#/')) return undefined;
  // A fragment may be percent-encoded (`#/paths/~1pets%7Bid%7D`); decode before unescaping.
  let body: string;
  try {
    body = decodeURIComponent(ref.slice(2));
  } catch {
    return undefined;
  }
  return body.split('/').map(unescape);
}

/** The value at `tokens` inside `root`, or undefined when any step is missing. */
export function valueAt(root: unknown, tokens: readonly string[]): unknown {
  let cur: unknown = root;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t)) return undefined;
      cur = cur[Number(t)];
    } else if (cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, t)) {
      cur = (cur as Record<string, unknown>)[t];
    } else {
      return undefined;
    }
  }
  return cur;
}
