#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// V8 is told to favour memory over speed before anything else is loaded. With its default heuristics the heap of
// a 100,000-row dry run grows to about 345 MB of mostly garbage (listing pages already planned and dropped); with
// this flag it peaks near 180 MB, for about twice the CPU, which a run paced by the platform's rate limit never
// notices. Measured by `npm run bench` (docs/benchmarks.md, "Planning").
setFlagsFromString('--optimize-for-size');

const { main } = await import('../dist/cli.js');

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`genesys-bulk: unexpected failure: ${err?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
