#!/usr/bin/env -S node --
// `--` ends node's own options: without it, Node 20 takes a `--env-file` meant for this tool as its own
// (`node: nope.env: not found`, exit 9). Whoever spawns this file should pass `node -- bin/genesys-bulk.js` too.
import { setFlagsFromString } from 'node:v8';

const { main } = await import('../dist/bundle/cli.js');

main(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  // V8 is told to favour memory over speed once the command's modules and the SDK are loaded. With its default
  // heuristics a 100,000-row dry run with --report peaks near 265 MB (the live set is some 50 MB; the rest is heap
  // V8 lets grow before it collects, and listing answers' buffers not yet collected); with this flag it peaks near
  // 175 MB, for about 1.5 times the CPU, which a run paced by the platform's rate limit never notices
  // (docs/benchmarks.md, "Planning"). Set before anything is loaded, it doubled start-up too (the SDK's load, and
  // the collections while loading), which every command pays (issue #12).
  afterLoad: () => setFlagsFromString('--optimize-for-size'),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`genesys-bulk: unexpected failure: ${err?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
