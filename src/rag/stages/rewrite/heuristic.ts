import { isStopword, terms } from '../../text.js';
import type { Stage } from '../types.js';

// HEURISTIC decomposer (no LLM): multi-hop questions name their hops as entities ("Were Scott
// Derrickson and Ed Wood …", "… the film Kiss and Tell"), so each named entity becomes an
// entity-focused sub-query and each relative clause ("who portrayed …") another. A deterministic
// stand-in for LLM decomposition (Least-to-Most, Zhou et al. 2023; Self-Ask, Press et al. 2023).

const CLAUSE_SPLIT = /\s*(?:,|;|\bwho\b|\bwhich\b|\bthat\b|\bwhose\b|\bwhere\b|\bwhen\b)\s+/i;

export function namedEntities(question: string): string[] {
  const out: string[] = [];
  for (const m of question.matchAll(/"([^"]+)"|“([^”]+)”/g)) out.push((m[1] ?? m[2] ?? '').trim());
  const words = question.replace(/"[^"]*"|“[^”]*”/g, ' , ').split(/\s+/);
  let run: string[] = [];
  const flush = (): void => {
    while (run.length > 0 && isStopword(run[run.length - 1] ?? '')) run.pop();
    if (run.length > 0) out.push(run.join(' '));
    run = [];
  };
  words.forEach((raw, i) => {
    const w = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}.]+$/gu, '');
    const capital = /^[\p{Lu}\p{N}]/u.test(w);
    const sentenceStart = i === 0 && isStopword(w);
    // "of"/"the" may sit inside a name ("University of Kansas"), never start one.
    const connector = run.length > 0 && /^(of|the|de|von|van|da)$/i.test(w);
    if ((capital && !sentenceStart) || connector) run.push(w);
    else flush();
    if (/[,?;:]$/.test(raw)) flush();
  });
  flush();
  return [...new Set(out.filter((e) => terms(e).length > 0))];
}

export function decompose(question: string, max: number): string[] {
  const entities = namedEntities(question);
  const entityTerms = new Set(entities.flatMap((e) => terms(e)));
  const predicate = terms(question)
    .filter((t) => !entityTerms.has(t))
    .join(' ');
  const subs: string[] = [];
  // Clauses first: each relative clause is a hop. Entity-focused queries come after, for
  // comparison questions that name several entities in one clause.
  for (const clause of question.split(CLAUSE_SPLIT)) {
    if (terms(clause).length >= 2 && clause.trim() !== question.trim()) subs.push(clause.replace(/\?$/, '').trim());
  }
  if (entities.length > 1) for (const e of entities) subs.push(`${e} ${predicate}`.trim());
  const seen = new Set<string>([terms(question).join(' ')]);
  const out: string[] = [];
  for (const s of subs) {
    const key = terms(s).join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out.slice(0, max);
}

export const heuristicRewrite: Stage = {
  kind: 'rewrite',
  variant: 'heuristic',
  run(state, deps) {
    const subQueries = decompose(state.query, deps.settings.rewrite.maxSubQuestions);
    return Promise.resolve({ status: 'ran', state: { ...state, subQueries }, decision: { subQueries, method: 'heuristic-entities-and-clauses' } });
  },
};
