import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

// A minimal SVG line/scatter chart (log-x) rendered to PNG with resvg: enough for a cost–quality curve.

export interface Series {
  name: string;
  color: string;
  points: Array<{ x: number; y: number; label?: string }>;
  line: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  width?: number;
  height?: number;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderChartSvg(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 900;
  const H = o.height ?? 560;
  const m = { l: 70, r: 220, t: 40, b: 55 };
  const pts = series.flatMap((s) => s.points);
  const tx = (x: number): number => (o.logX ? Math.log10(Math.max(x, 1e-9)) : x);
  const xs = pts.map((p) => tx(p.x));
  const ys = pts.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const padX = (x1 - x0) * 0.05 || 1;
  const [y0, y1] = [Math.floor(Math.min(...ys) * 20) / 20, Math.ceil(Math.max(...ys) * 20) / 20];
  const sx = (x: number): number => m.l + ((tx(x) - (x0 - padX)) / (x1 - x0 + 2 * padX)) * (W - m.l - m.r);
  const sy = (y: number): number => H - m.b - ((y - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2 - m.r / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`);
  // Grid and ticks.
  for (let y = y0; y <= y1 + 1e-9; y += 0.05) {
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${sy(y)}" y2="${sy(y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 6}" y="${sy(y) + 4}" text-anchor="end">${y.toFixed(2)}</text>`);
  }
  if (o.logX) {
    for (let e = Math.floor(x0 - padX); e <= Math.ceil(x1 + padX); e++) {
      for (const k of [1, 2, 5]) {
        const v = k * 10 ** e;
        const lx = Math.log10(v);
        if (lx < x0 - padX || lx > x1 + padX) continue;
        out.push(`<line x1="${sx(v)}" x2="${sx(v)}" y1="${m.t}" y2="${H - m.b}" stroke="#eeeeee"/>`);
        out.push(`<text x="${sx(v)}" y="${H - m.b + 16}" text-anchor="middle">${v.toExponential(0)}</text>`);
      }
    }
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    if (s.line && sorted.length > 1) {
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${sorted.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ')}"/>`);
    }
    for (const p of sorted) {
      out.push(`<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="${s.line ? 3 : 5}" fill="${s.color}"/>`);
      // Labels near the right edge grow leftwards so they stay inside the plot.
      const right = sx(p.x) > W - m.r - 140;
      if (p.label) {
        out.push(
          `<text x="${sx(p.x) + (right ? -7 : 7)}" y="${sy(p.y) - 6}" font-size="10" fill="${s.color}" text-anchor="${right ? 'end' : 'start'}">${esc(p.label)}</text>`,
        );
      }
    }
    const ly = m.t + 10 + i * 20;
    out.push(`<circle cx="${W - m.r + 18}" cy="${ly}" r="5" fill="${s.color}"/>`);
    out.push(`<text x="${W - m.r + 30}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export function writeChartPng(svg: string, path: string): void {
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: 1200 }, font: { loadSystemFonts: true } }).render().asPng();
  writeFileSync(path, png);
}
