import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import { wantsColor } from './colors.js';

export interface ProgressCounters {
  done: number;
  total: number;
  rateLimited: number;
  retries: number;
  failed: number;
}

/** The phases a run goes through, each with its own label on the bar. */
export type ProgressPhase = 'Reading users' | 'Applying profile changes' | 'Applying routing and access';

/**
 * A progress line on a terminal (phase, done/total, rate, ETA, 429s so far); nothing when stderr is not a terminal.
 * One bar at a time, labelled by its phase; a phase with nothing to do shows none (never `0/0`).
 */
export interface Progress {
  start(total: number, phase: ProgressPhase): void;
  update(counters: ProgressCounters): void;
  stop(): void;
}

export function createProgress(
  stream: NodeJS.WriteStream = process.stderr,
  enabled = stream.isTTY === true,
  env: Record<string, string | undefined> = process.env,
): Progress {
  if (!enabled) return { start() {}, update() {}, stop() {} };
  // The bar moves the cursor and hides it with escape codes; where colour is not wanted (NO_COLOR, TERM=dumb) the
  // same figures are redrawn with a carriage return alone.
  return skipEmpty(wantsColor(stream, env) ? barProgress(stream) : plainProgress(stream));
}

/** A phase of nothing draws nothing: its start, updates and stop are dropped. */
function skipEmpty(inner: Progress): Progress {
  let shown = false;
  return {
    start(total, phase) {
      shown = total > 0;
      if (shown) inner.start(total, phase);
    },
    update(c) {
      if (shown) inner.update(c);
    },
    stop() {
      if (shown) inner.stop();
      shown = false;
    },
  };
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  // Loaded only for a bar on a terminal: a run without one never needs it.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        '{phase} [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted} | 429s {rateLimited} | retries {retries} | failed {failed}',
      hideCursor: true,
      fps: 5,
      etaBuffer: 200,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedAt = 0;
  let running = false;
  return {
    start(total, phase) {
      startedAt = Date.now();
      running = true;
      bar.start(total, 0, { phase, rate: '0.0', rateLimited: 0, retries: 0, failed: 0 });
    },
    update(c) {
      if (!running) return;
      const seconds = (Date.now() - startedAt) / 1000;
      bar.update(c.done, {
        rate: seconds > 0 ? (c.done / seconds).toFixed(1) : '0.0',
        rateLimited: c.rateLimited,
        retries: c.retries,
        failed: c.failed,
      });
    },
    stop() {
      if (!running) return;
      running = false;
      bar.stop();
    },
  };
}

const PLAIN_EVERY_MS = 200;

function plainProgress(stream: NodeJS.WritableStream): Progress {
  let startedAt = 0;
  let total = 0;
  let lastAt = 0;
  let width = 0;
  let running = false;
  let label = '';
  const draw = (c: ProgressCounters) => {
    const seconds = (Date.now() - startedAt) / 1000;
    const rate = seconds > 0 ? (c.done / seconds).toFixed(1) : '0.0';
    const line = `${label} ${c.done}/${total} | ${rate}/s | 429s ${c.rateLimited} | retries ${c.retries} | failed ${c.failed}`;
    stream.write(`\r${line.padEnd(width)}`);
    width = line.length;
  };
  return {
    start(n, phase) {
      startedAt = Date.now();
      total = n;
      label = phase;
      width = 0;
      running = true;
      draw({ done: 0, total: n, rateLimited: 0, retries: 0, failed: 0 });
      lastAt = startedAt;
    },
    update(c) {
      if (!running) return;
      const now = Date.now();
      if (now - lastAt < PLAIN_EVERY_MS && c.done < total) return;
      lastAt = now;
      draw(c);
    },
    stop() {
      if (!running) return;
      running = false;
      stream.write('\n');
    },
  };
}
