import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A chat-completions upstream for the cache tests, following the OpenAI contract (JSON and SSE
// chunks, usage, [DONE]). Every answer carries a serial number, so a test can tell an upstream
// answer (new number) from a replayed one (a number seen before), plus the consumer header it saw.

export interface TestUpstream {
  url: string;
  calls: number;
  close(): Promise<void>;
}

export async function startTestUpstream(): Promise<TestUpstream> {
  let serial = 0;
  const state = { calls: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.calls++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string; stream?: boolean; messages: { role: string; content: string }[] };
      const question = body.messages.at(-1)?.content ?? '';
      const content = `answer #${++serial} for ${String(req.headers['x-mse-consumer'] ?? 'anonymous')} to: ${question}`;
      const id = `chatcmpl-up-${serial}`;
      const created = 1_700_000_000;
      const usage = { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 };
      if (!body.stream) {
        const payload = JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
          usage,
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) });
        res.end(payload);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const frame = (delta: object, finish: string | null): string =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(frame({ role: 'assistant', content: '' }, null));
      for (const word of content.split(/(?<= )/)) res.write(frame({ content: word }, null));
      res.write(frame({}, 'stop'));
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get calls() {
      return state.calls;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
