import cliProgress from 'cli-progress';

export interface ProgressCounters {
  done: number;
  total: number;
  rateLimited: number;
  retries: number;
  failed: number;
}

/** A progress line on a terminal (done/total, rate, ETA, 429s so far); nothing when stderr is not a terminal. */
export interface Progress {
  start(total: number): void;
  update(counters: ProgressCounters): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, enabled = stream.isTTY === true): Progress {
  if (!enabled) return { start() {}, update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        'Applying [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted} | 429s {rateLimited} | retries {retries} | failed {failed}',
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
    start(total) {
      startedAt = Date.now();
      running = true;
      bar.start(total, 0, { rate: '0.0', rateLimited: 0, retries: 0, failed: 0 });
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
