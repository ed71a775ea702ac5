import { describe, expect, it } from '@jest/globals';
import { decisionRequest, parseChatRequest } from './request.js';

describe('parseChatRequest', () => {
  it.each([
    [null, null],
    [[], null],
    [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
    [{ model: 3, messages: [] }, 'model'],
    [{ model: 'auto' }, 'messages'],
    [{ model: 'auto', messages: [] }, 'messages'],
    [{ model: 'auto', messages: [{ content: 'x' }] }, 'messages.0.role'],
    [{ model: 'auto', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
  ])('refuses %j naming param %s', (body, param) => {
    const r = parseChatRequest(body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.param).toBe(param);
  });

  it('accepts a minimal request and keeps unknown fields', () => {
    const r = parseChatRequest({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], temperature: 0 });
    expect(r.ok && r.request.temperature).toBe(0);
  });
});

describe('decisionRequest', () => {
  it('decides on the last user message and infers capabilities', () => {
    const r = parseChatRequest({
      model: 'auto',
      tools: [{ type: 'function', function: { name: 'f' } }],
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'second' },
            { type: 'image_url', image_url: { url: 'x' } },
          ],
        },
      ],
    });
    if (!r.ok) throw new Error('expected a valid request');
    const d = decisionRequest(r.request, { capabilities: 'code', lambda: '2.5' });
    expect(d.prompt).toBe('second');
    expect(d.requiredCapabilities?.sort()).toEqual(['code', 'tools', 'vision']);
    expect(d.lambda).toBe(2.5);
    expect(d.promptTokens).toBeGreaterThan(0);
  });
});
