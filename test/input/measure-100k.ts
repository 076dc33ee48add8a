/**
 * Parse time and memory for 100,000 generated rows, per format. Not part of the test suite (no timed
 * assertions); run it by hand:
 *
 *   node --expose-gc --import tsx test/input/measure-100k.ts [rows] [csv|jsonl|json]
 *
 * tsx adds per-closure overhead; compiled JavaScript is somewhat faster. Each format in its own process gives
 * the cleanest memory figures.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInput } from '../../src/input/index.js';

const rows = Number(process.argv[2] ?? 100_000);
const only = process.argv[3];
const uuid = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

function record(i: number): Record<string, string> {
  return {
    id: uuid(i),
    name: `User ${i} Lopez`,
    title: i % 3 === 0 ? 'Senior Agent, Tier 2' : 'Agent',
    department: 'Support',
    manager: `manager${i % 50}@example.com`,
    'employerInfo.employeeId': `E-${i}`,
    'employerInfo.dateHire': `20${10 + (i % 14)}-0${1 + (i % 9)}-1${i % 10}`,
    'phone.work': `+1 (317) 555-${(i % 10_000).toString().padStart(4, '0')}`,
    'phone.mobile': '<clear>',
  };
}

async function write(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const line of lines) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

function* csvLines(): Generator<string> {
  const columns = Object.keys(record(0));
  yield `${columns.join(',')}\r\n`;
  for (let i = 1; i <= rows; i++) {
    yield `${Object.values(record(i))
      .map((v) => (v.includes(',') ? `"${v}"` : v))
      .join(',')}\r\n`;
  }
}

function* jsonlLines(): Generator<string> {
  for (let i = 1; i <= rows; i++) yield `${JSON.stringify(record(i))}\n`;
}

function* jsonLines(): Generator<string> {
  yield '[\n';
  for (let i = 1; i <= rows; i++) yield `  ${JSON.stringify(record(i))}${i < rows ? ',' : ''}\n`;
  yield ']\n';
}

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

async function measure(path: string): Promise<void> {
  gc?.();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }, 5);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const parsed = await readInput({ path });
  const cpu = process.cpuUsage(cpuStart);
  const ms = performance.now() - started;
  clearInterval(sampler);
  const end = process.memoryUsage();
  peakHeap = Math.max(peakHeap, end.heapUsed);
  peakRss = Math.max(peakRss, end.rss);
  gc?.();
  const retained = process.memoryUsage().heapUsed - base.heapUsed;
  const errors = parsed.problems.filter((p) => p.severity === 'error').length;
  console.log(
    [
      `${path.split('/').pop()} (${mib((await stat(path)).size)})`,
      `${parsed.rows.length} rows, ${errors} errors`,
      `${(ms / 1000).toFixed(2)} s wall (${Math.round(rows / (ms / 1000))} rows/s), ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`,
      `peak heap +${mib(peakHeap - base.heapUsed)}`,
      `peak RSS +${mib(peakRss - base.rss)}`,
      `retained (the rows) ${mib(retained)}`,
    ].join(' | '),
  );
  if (parsed.rows.length !== rows || errors !== 0) throw new Error('unexpected parse result');
}

const dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-measure-'));
try {
  const files = { 'users.csv': csvLines, 'users.jsonl': jsonlLines, 'users.json': jsonLines };
  for (const [name, lines] of Object.entries(files)) await write(join(dir, name), lines());
  if (!gc) console.log('(run with --expose-gc for steadier figures)');
  for (const name of Object.keys(files))
    if (only === undefined || name === `users.${only}`) await measure(join(dir, name));
} finally {
  await rm(dir, { recursive: true, force: true });
}
