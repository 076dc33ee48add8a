/**
 * The bench's pictures (issue #12 item 5): per limiter and client, allowed requests per second against the allowed
 * rate and the 429s over time, written as SVG next to the results and linked from docs/benchmarks.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { rateChartSvg, slug } from './svg.js';
import type { BenchResults } from './types.js';

/** Where the charts go: one set, overwritten by each run that writes them (the results file says which run). */
export const CHARTS_DIR = join('bench', 'results', 'charts');

/** Writes a chart per run that has a per-second log; returns them for the docs page. */
export function writeCharts(results: BenchResults, root: string): { name: string; file: string }[] {
  const dir = join(root, CHARTS_DIR);
  mkdirSync(dir, { recursive: true });
  const charts: { name: string; file: string }[] = [];
  const write = (name: string, c: Parameters<typeof rateChartSvg>[0]): void => {
    const path = join(dir, `${slug(name)}.svg`);
    writeFileSync(path, rateChartSvg(c));
    charts.push({ name, file: relative(root, path) });
  };
  for (const r of results.runs) {
    if (!r.perSecond) continue;
    const scenario = r.scenario === 'main' ? r.limiter.label : r.scenario === 'mixed' ? 'mixed file' : 'limit halved';
    const name = `${scenario}, ${r.client}`;
    write(name, {
      title: `${name} (${r.limit} per ${r.windowSeconds} s)`,
      allowed: r.perSecond.allowed,
      limited: r.perSecond.limited,
      allowedRate: r.limit / r.windowSeconds,
      boundSeconds: r.boundSeconds,
    });
  }
  for (const r of results.family?.runs ?? []) {
    if (!r.perSecond) continue;
    const name = `family ${r.label}, genesys-bulk`;
    write(name, {
      title: `${r.label} (${r.limit} per ${r.windowSeconds} s), genesys-bulk`,
      allowed: r.perSecond.allowed,
      limited: r.perSecond.limited,
      allowedRate: r.limit / r.windowSeconds,
      boundSeconds: r.boundSeconds,
    });
  }
  for (const r of results.tokens ?? []) {
    if (!r.perSecond) continue;
    const s = r.scenario;
    const limit = s.orgLimit === undefined ? '' : `, ${s.orgLimit} per ${s.windowSeconds} s for the organisation`;
    const name = `${s.name} ${s.algorithm}, genesys-bulk --tokens ${s.tokens}`;
    write(name, {
      title: `${name} (${s.limit} per ${s.windowSeconds} s per token${limit})`,
      allowed: r.perSecond.allowed,
      limited: r.perSecond.limited,
      allowedRate: r.boundRate,
      boundSeconds: r.boundSeconds,
    });
  }
  return charts;
}

/** The docs page's chart section: every chart, linked and shown. */
export function chartsMarkdown(results: BenchResults): string {
  const charts = results.charts ?? [];
  if (charts.length === 0) return '_No charts written with these results (run the bench, or `--report-only` on them)._';
  // docs/benchmarks.md sits one folder below the root.
  return charts.map((c) => `**${c.name}**\n\n![${c.name}](../${c.file})`).join('\n\n');
}
