import { postJson, apiKeyFrom } from './http-json.js';
import { RagError } from './errors.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatClient {
  readonly model: string;
  complete(messages: ChatMessage[], opts?: { maxTokens?: number; temperature?: number }): Promise<string>;
}

interface ChatResponse {
  choices?: { message?: { content?: string | null } }[];
}

// OpenAI-compatible /v1/chat/completions: in production a ModelPool model behind the Higress gateway.
export class OpenAiChatClient implements ChatClient {
  constructor(private readonly opts: { baseUrl: string; model: string; apiKeyEnv?: string | undefined; timeoutMs: number }) {}

  get model(): string {
    return this.opts.model;
  }

  async complete(messages: ChatMessage[], opts: { maxTokens?: number; temperature?: number } = {}): Promise<string> {
    const url = `${this.opts.baseUrl.replace(/\/$/, '')}/chat/completions`;
    const body = (await postJson(
      url,
      { model: this.opts.model, messages, max_tokens: opts.maxTokens ?? 512, temperature: opts.temperature ?? 0 },
      { timeoutMs: this.opts.timeoutMs, reason: 'LlmUnavailable', apiKey: apiKeyFrom(this.opts.apiKeyEnv) },
    )) as ChatResponse;
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new RagError('LlmUnavailable', 'chat completion had no message content');
    return content;
  }
}

/** Pulls the first JSON object out of a model reply that may wrap it in prose or a code fence. */
export function extractJsonObject(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}
