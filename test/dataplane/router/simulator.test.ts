import { writeFileSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { questionsPath, routingDataDir, type QuestionRecord } from '../../../src/simulator/data.js';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.js';
import { tempDir } from './helpers.js';

// The simulator on a held-back-style question file it has never seen: /questions, /v1/evaluate, answers
// with each model's real choice, and latency proportional to ttft + tokens / tps.

const dir = tempDir('sim-');
let sim: SimulatorHandle;
let questions: QuestionRecord[];

beforeAll(async () => {
  const lines = readFileSync(questionsPath('dev', routingDataDir()), 'utf8').split('\n').filter(Boolean).slice(-5);
  const file = join(dir, 'heldback.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  questions = lines.map((l) => JSON.parse(l) as QuestionRecord);
  sim = await startSimulator({ questionFiles: [file], modelsFile: join(routingDataDir(), 'models.json'), timeScale: 0.05 });
});
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('simulator', () => {
  it('serves exactly the loaded questions', async () => {
    const body = (await (await fetch(`${sim.url}/questions`)).json()) as { questions: Array<{ id: string; question: string }> };
    expect(body.questions.map((q) => q.id)).toEqual(questions.map((q) => q.id));
    expect(body.questions[0]?.question).toContain('(A) ');
  });

  it('answers with the real choice and scores it against the gold letter', async () => {
    const listed = (await (await fetch(`${sim.url}/questions`)).json()) as { questions: Array<{ id: string; question: string }> };
    for (const [i, q] of questions.entries()) {
      for (const model of ['gpt-4o-2024-05-13', 'mixtral-8x7b-instruct']) {
        const r = await post('/v1/chat/completions', { model, messages: [{ role: 'user', content: listed.questions[i]!.question }] });
        const content = (r.json.choices as Array<{ message: { content: string } }>)[0]!.message.content;
        const ev = await post('/v1/evaluate', { question: listed.questions[i]!.question, answer: content });
        expect(ev.json.score).toBe(q.results[model]!.correct ? 1 : 0);
      }
    }
  });

  it('returns -1 for unknown questions and empty answers, 404 for unknown models', async () => {
    expect((await post('/v1/evaluate', { question: 'What is love?', answer: 'The answer is (A).' })).json.score).toBe(-1);
    expect((await post('/v1/evaluate', { question: questions[0]!.question, answer: '  ' })).json.score).toBe(-1);
    expect((await post('/v1/evaluate', { nope: 1 })).json.score).toBe(-1);
    const r = await post('/v1/chat/completions', { model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ error: { code: 'model_not_found' } });
  });

  it('takes ttft + outTokens / tps, scaled', async () => {
    const q = questions[0]!;
    const model = sim.models.find((m) => m.id === 'gpt-4o-2024-05-13')!;
    const expected = 0.05 * (model.ttftMs + (q.results[model.id]!.outTokens / model.outputTokensPerSecond) * 1000);
    const started = performance.now();
    await post('/v1/chat/completions', { model: model.id, messages: [{ role: 'user', content: q.question }] });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(expected - 2);
    expect(took).toBeLessThan(expected + 250);
  });
});
