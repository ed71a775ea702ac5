// npx tsx bench/timeline-report.ts FILE [--show N]
//
// Reads the `TL {...}` lines of a bench:operator run under KUBE_TRACE_TIMELINE (src/kube/timeline.ts; the bench
// and the operator child write them to the same stderr) and breaks each paced apply — a `bench.create` with its
// `bench.ready` — into the steps of its critical path: the create's round trip, watch delivery to the operator,
// queue wait, the pool's reconciles and their requests, the gateway pass (render, merges, shared-object writes),
// the shared objects' watch events, and the reconcile that wrote Ready. Prints the median and p90 of each step
// over all applies, and the full timeline of the applies at the 50th/90th percentile (or N of them with --show).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { percentile } from '../src/util/stats.js';

interface Line {
  t: number;
  pid: number;
  ev: string;
  key?: string;
  [field: string]: unknown;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { show: { type: 'string' } } });
const file = positionals[0];
if (!file) throw new Error('usage: bench/timeline-report.ts FILE [--show N]');
const lines: Line[] = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('TL {'))
  .map((l) => JSON.parse(l.slice(3)) as Line)
  .sort((a, b) => a.t - b.t);
const benchPid = lines.find((l) => l.ev === 'bench.create')?.pid;
if (benchPid === undefined) throw new Error(`${file}: no bench.create line (was KUBE_TRACE_TIMELINE set, and does it match the paced pools?)`);
const op = lines.filter((l) => l.pid !== benchPid);

interface Apply {
  key: string;
  steps: Record<string, number>;
  timeline: Line[];
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const sum = (ls: Line[], f: string) => ls.reduce((a, l) => a + num(l[f]), 0);

function analyse(create: Line): Apply | undefined {
  const key = create.key!;
  const ready = lines.find((l) => l.ev === 'bench.ready' && l.key === key && l.t >= create.t);
  if (!ready) return undefined;
  const within = op.filter((l) => l.t >= create.t && l.t <= ready.t + 1);
  const posted = lines.find(
    (l) => l.pid === benchPid && l.ev === 'api' && l.verb === 'create' && l.t >= create.t && (l.name as string) !== '' && l.resource === 'modelpools',
  );
  const added = within.find((l) => l.ev === 'watch' && l.resource === 'modelpools' && l.name === key && l.type === 'ADDED');
  // The pool's reconciles, each from its queue take to its end.
  const runs: { take?: Line; start: Line; end?: Line; lines: Line[] }[] = [];
  let lastTake: Line | undefined;
  // Only the ModelPool controller's queue and reconciles (others, e.g. the HiMarket publish controller, key pools too).
  const mine = (x: Line) =>
    x.key === key && (x.ev.startsWith('queue.') ? x.queue === 'modelpool' : x.ev.startsWith('reconcile.') ? x.controller === 'modelpool' : true);
  // The bench may see the Ready write's watch event before the operator has handled the write's response.
  for (const l of op.filter((x) => x.t >= create.t && x.t <= ready.t + 500 && mine(x))) {
    if (l.ev === 'reconcile.start') runs.push({ start: l, lines: [], ...(lastTake ? { take: lastTake } : {}) });
    else if (l.ev === 'reconcile.end' && runs.length) runs.at(-1)!.end = l;
    else if (runs.length && !runs.at(-1)!.end) runs.at(-1)!.lines.push(l);
    if (l.ev === 'queue.take') lastTake = l;
  }
  const first = runs[0];
  const final = runs.find((r) => r.lines.some((l) => l.ev === 'pool.decided' && l.ready === 'True'));
  if (!first || !final) return undefined;
  // The gateway pass that wrote this pool's share: the last written pass that ended before the final reconcile.
  const gwRuns: { start: Line; end?: Line; lines: Line[] }[] = [];
  for (const l of within.filter((x) => x.key?.startsWith('gateway:'))) {
    if (l.ev === 'reconcile.start') gwRuns.push({ start: l, lines: [] });
    else if (l.ev === 'reconcile.end' && gwRuns.length) gwRuns.at(-1)!.end = l;
    else if (gwRuns.length) gwRuns.at(-1)!.lines.push(l);
  }
  // (It may requeue the pool itself, so the pool's final reconcile can start before the pass's reconcile ends.)
  const passOf = (g: { lines: Line[] }) => g.lines.find((l) => l.ev === 'gateway.pass');
  const written = gwRuns.filter((g) => passOf(g)?.outcome === 'written' && passOf(g)!.t <= final.start.t).at(-1);
  const writtenEnd = written ? passOf(written)! : undefined;
  const gwWrites = written?.lines.filter((l) => l.ev === 'api' && l.verb !== 'get') ?? [];
  const sharedEvents = within.filter(
    (l) => l.ev === 'watch' && (l.resource === 'wasmplugins' || l.resource === 'mcpbridges') && written && l.t >= written.start.t && l.t <= final.start.t,
  );
  const api = (r: { lines: Line[] }, pred: (l: Line) => boolean) => r.lines.filter((l) => l.ev === 'api' && pred(l));
  const span = (ls: Line[]) => (ls.length ? Math.max(...ls.map((l) => l.t)) - Math.min(...ls.map((l) => num(l.t0))) : 0);
  const firstWrites = api(first, (l) => l.verb === 'patch' && l.resource !== 'modelpools');
  const steps: Record<string, number> = {
    'create → operator watch ADDED': (added?.t ?? NaN) - create.t,
    '  of which the create POST': posted ? num(posted.ms) : NaN,
    'watch → first reconcile start': first.start.t - (added?.t ?? NaN),
    '  queue wait': first.take ? num(first.take.waitedMs) : NaN,
    'first reconcile': num(first.end?.ms),
    '  finalizer patch': sum(
      api(first, (l) => l.verb === 'patch' && l.resource === 'modelpools'),
      'ms',
    ),
    '  404 GETs (span)': span(api(first, (l) => l.verb === 'get')),
    '  route SSA patches (span)': span(firstWrites),
    '  status writes': sum(
      api(first, (l) => l.verb === 'updateStatus'),
      'ms',
    ),
    'pool reconciles before Ready': runs.indexOf(final) + 1,
    'first reconcile end → gateway pass start': written ? written.start.t - (first.end?.t ?? NaN) : NaN,
    'gateway pass (written)': written && writtenEnd ? writtenEnd.t - written.start.t : NaN,
    '  render all pools': written
      ? sum(
          written.lines.filter((l) => l.ev === 'gateway.render'),
          'ms',
        )
      : NaN,
    '  merges (sum)': written
      ? sum(
          written.lines.filter((l) => l.ev === 'merge'),
          'ms',
        )
      : NaN,
    '  shared writes (span)': span(gwWrites),
    '  shared writes: bytes sent (sum)': sum(gwWrites, 'reqBytes'),
    '  shared writes: stringify+parse (sum)': sum(gwWrites, 'stringifyMs') + sum(gwWrites, 'parseMs'),
    'gateway passes during the apply': gwRuns.length,
    'gateway pass end → last shared watch event before the final reconcile':
      sharedEvents.length && writtenEnd ? Math.max(...sharedEvents.map((l) => l.t)) - writtenEnd.t : NaN,
    'gateway pass end → final reconcile start': writtenEnd ? final.start.t - writtenEnd.t : NaN,
    '  shared watch events: parse (sum)': sum(sharedEvents, 'parseMs'),
    'final reconcile: queue wait': final.take ? num(final.take.waitedMs) : NaN,
    'final reconcile': num(final.end?.ms),
    '  Ready status write': sum(
      api(final, (l) => l.verb === 'updateStatus'),
      'ms',
    ),
    'final reconcile end → bench sees Ready': ready.t - (final.end?.t ?? NaN),
    'total (create → bench sees Ready)': ready.t - create.t,
  };
  return {
    key,
    steps,
    timeline: lines.filter(
      (l) => l.t >= create.t && l.t <= ready.t && (l.key === key || l.key?.startsWith('gateway:') || l.ev === 'watch' || l.key === undefined),
    ),
  };
}

const applies = lines.filter((l) => l.ev === 'bench.create').flatMap((c) => analyse(c) ?? []);
if (!applies.length) throw new Error('no complete apply in the trace');
const names = Object.keys(applies[0]!.steps);
const fmt = (x: number) => (Number.isNaN(x) ? '—' : Math.abs(x) >= 1000 ? x.toFixed(0) : x.toFixed(1));
process.stdout.write(`${applies.length} paced applies (${file})\n\n| step | median | p90 |\n|---|--:|--:|\n`);
for (const n of names) {
  const xs = applies
    .map((a) => a.steps[n]!)
    .filter((x) => !Number.isNaN(x))
    .sort((a, b) => a - b);
  process.stdout.write(`| ${n.replace(/^ {2}/, '&nbsp;&nbsp;')} | ${fmt(percentile(xs, 50))} | ${fmt(percentile(xs, 90))} |\n`);
}
const byTotal = [...applies].sort((a, b) => a.steps['total (create → bench sees Ready)']! - b.steps['total (create → bench sees Ready)']!);
const show = values.show ? byTotal.slice(0, Number(values.show)) : [byTotal[Math.floor(byTotal.length / 2)]!, byTotal[Math.floor(byTotal.length * 0.9)]!];
for (const a of show) {
  const t0 = a.timeline[0]!.t;
  process.stdout.write(`\n${a.key}: ${fmt(a.steps['total (create → bench sees Ready)']!)} ms\n`);
  for (const l of a.timeline) {
    const { t, pid, ev, key, ...rest } = l;
    const who = pid === benchPid ? 'bench' : (key ?? '');
    process.stdout.write(`${fmt(t - t0).padStart(8)}  ${who.padEnd(28).slice(0, 28)} ${ev.padEnd(16)} ${JSON.stringify(rest)}\n`);
  }
}
