/** The bench's chart writer and before/after table: pure text, checked for what a reader relies on. */
import { describe, expect, test } from 'vitest';
import { beforeAfterTable } from '../bench/compare.js';
import { rateChartSvg, slug } from '../bench/svg.js';
import type { BenchResults } from '../bench/types.js';

describe('rateChartSvg', () => {
  const svg = rateChartSvg({
    title: 'bucket <10%> & co',
    allowed: [0, 18, 20, 19],
    limited: [0, 3, 0, 0],
    allowedRate: 20,
    boundSeconds: 3,
  });

  test('is one well-formed svg with the title escaped', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('<title>bucket &lt;10%&gt; &amp; co</title>');
    expect(svg).not.toContain('<10%>');
  });

  test('draws one point per second, one bar per second with 429s, and the allowed rate', () => {
    const points = /<polyline points="([^"]+)"/.exec(svg)?.[1]?.split(' ');
    expect(points).toHaveLength(4);
    expect(svg.match(/fill="#d62728" fill-opacity/g)).toHaveLength(1);
    expect(svg).toContain('stroke-dasharray="5 4"');
    expect(svg).toContain('allowed rate (20/s)');
  });

  test('slug makes a file name', () => {
    expect(slug('family bucket burst=10% headers=scaled, genesys-bulk')).toBe(
      'family-bucket-burst-10-headers-scaled-genesys-bulk',
    );
  });
});

describe('beforeAfterTable', () => {
  const run = (makespanSeconds: number) =>
    ({
      scenario: 'main',
      client: 'genesys-bulk',
      limiter: { label: 'fixed+headers', algorithm: 'fixed', rateLimitHeaders: true },
      finished: true,
      makespanSeconds,
      ratio: makespanSeconds / 45.5,
      rateLimited: 0,
      failures: 0,
      collateral: 0,
    }) as unknown as BenchResults['runs'][number];
  const results = (startedAt: string, makespan: number) =>
    ({
      startedAt,
      runs: [run(makespan)],
      planning: {},
      environment: { gitCommit: 'abc1234' },
    }) as unknown as BenchResults;

  test('puts the before figure next to the after one', () => {
    const table = beforeAfterTable(results('a', 47.5), results('b', 46), 'bench/results/b.json');
    expect(table).toContain('| fixed+headers | 47.5 → 46.0 | 1.04 → 1.01 |');
    expect(table).toContain('commit abc1234');
  });

  test('says so when the page reports the before run itself', () => {
    expect(beforeAfterTable(results('a', 47.5), results('a', 47.5), 'x.json')).toContain('fills the "after" column');
  });
});
