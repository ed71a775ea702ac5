import { renderChartSvg, writeChartPng, type Series } from './chart.js';

// The routing report's cost–quality chart, drawn from the JSON report alone so the docs can be re-rendered
// without re-running the benchmark.

interface Point {
  accuracy: number;
  costPerQuestion: number;
}

export interface RoutingChartInput {
  questions: { eval: number };
  router: Point & { policy: unknown };
  curve: Array<Point & { lambda: number }>;
  singleModels: Record<string, Point>;
  baselines: Record<string, Point>;
}

export function writeRoutingChart(report: RoutingChartInput, path: string): void {
  const policy = report.router.policy as { mode?: string; lambda?: number };
  const series: Series[] = [
    { name: 'router (λ sweep)', color: '#d62728', line: true, points: report.curve.map((c) => ({ x: c.costPerQuestion, y: c.accuracy })) },
    {
      name: 'router (chosen λ)',
      color: '#8b0000',
      line: false,
      points: [{ x: report.router.costPerQuestion, y: report.router.accuracy, label: policy.mode === 'utility' ? `λ=${policy.lambda}` : 'threshold' }],
    },
    {
      name: 'single models',
      color: '#1f77b4',
      line: false,
      points: Object.entries(report.singleModels).map(([n, s]) => ({ x: s.costPerQuestion, y: s.accuracy, label: n })),
    },
    {
      name: 'random baselines',
      color: '#2ca02c',
      line: false,
      points: ['random', 'round-robin', 'random-at-equal-cost']
        .filter((n) => report.baselines[n])
        .map((n) => ({ x: report.baselines[n]!.costPerQuestion, y: report.baselines[n]!.accuracy, label: n })),
    },
  ];
  writeChartPng(
    renderChartSvg(series, {
      title: `Routing: accuracy vs cost (${report.questions.eval} eval questions)`,
      xLabel: 'mean cost per question, USD (log)',
      yLabel: 'accuracy (mean /v1/evaluate score)',
      logX: true,
    }),
    path,
  );
}
