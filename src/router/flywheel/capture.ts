// Turns a captured upstream response body (SSE stream or JSON completion) back into the answer text and
// token usage, so the flywheel can score and cost the answer the user actually got.

export interface CapturedAnswer {
  output: string;
  promptTokens?: number;
  completionTokens?: number;
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

function usageOf(value: unknown): Usage | undefined {
  if (value && typeof value === 'object' && 'usage' in value) {
    const u = (value as { usage?: unknown }).usage;
    if (u && typeof u === 'object') return u;
  }
  return undefined;
}

function withUsage(output: string, usage: Usage | undefined): CapturedAnswer {
  const out: CapturedAnswer = { output };
  if (typeof usage?.prompt_tokens === 'number') out.promptTokens = usage.prompt_tokens;
  if (typeof usage?.completion_tokens === 'number') out.completionTokens = usage.completion_tokens;
  return out;
}

export function parseCompletionJson(body: unknown): CapturedAnswer | undefined {
  if (!body || typeof body !== 'object' || !('choices' in body) || !Array.isArray(body.choices)) return undefined;
  const first = body.choices[0] as { message?: { content?: unknown } } | undefined;
  const content = first?.message?.content;
  return withUsage(typeof content === 'string' ? content : '', usageOf(body));
}

export function parseSseStream(text: string): CapturedAnswer {
  let output = '';
  let usage: Usage | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '' || data === '[DONE]') continue;
    try {
      const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown } }> };
      for (const choice of chunk.choices ?? []) {
        if (typeof choice.delta?.content === 'string') output += choice.delta.content;
      }
      usage = usageOf(chunk) ?? usage;
    } catch {
      // A malformed event is skipped; the rest of the stream still tells us the answer.
    }
  }
  return withUsage(output, usage);
}

export function parseCaptured(body: Buffer, contentType: string | undefined): CapturedAnswer | undefined {
  const text = body.toString('utf8');
  if (contentType?.includes('text/event-stream')) return parseSseStream(text);
  try {
    return parseCompletionJson(JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
