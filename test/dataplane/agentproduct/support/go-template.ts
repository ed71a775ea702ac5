/**
 * The subset of Go templates (as higress-group/gjson_template evaluates them over JSON) that generated
 * request templates use: `{{.args.name}}`, `{{.config.key}}`, dotted paths, and `{{-`/`-}}` trimming. A
 * field resolves like gjson's Result.String(): strings raw, numbers/booleans as JSON text, objects and
 * arrays as compact JSON, missing fields as "". Anything else (pipelines, functions, `if`/`range`) is
 * rejected loudly so a test never passes on a template the real plugin would render differently.
 */
export function renderGoTemplate(template: string, data: Record<string, unknown>): string {
  let out = '';
  let rest = template;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) return out + rest;
    let text = rest.slice(0, open);
    const close = rest.indexOf('}}', open);
    if (close < 0) throw new Error(`unterminated action in template: ${template}`);
    let action = rest.slice(open + 2, close);
    rest = rest.slice(close + 2);
    if (action.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      action = action.slice(1);
    }
    if (action.endsWith('-')) {
      action = action.slice(0, -1);
      rest = rest.replace(/^\s+/, '');
    }
    out += text;
    const expr = action.trim();
    if (!/^(\.[A-Za-z_][A-Za-z0-9_-]*)+$/.test(expr)) throw new Error(`template action "{{${action}}}" is outside the supported subset`);
    out += gjsonString(lookup(data, expr.slice(1).split('.')));
  }
}

function lookup(data: unknown, path: string[]): unknown {
  let cur = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function gjsonString(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
