#!/usr/bin/env -S node --
// The CLI as a program that calls the library runs it: `main` from dist/ with no `afterLoad`, so without the V8 flag
// (`--optimize-for-size`) that bin/genesys-bulk.js sets. The memory part (bench/memory.ts) measures this path: the
// bound issue #12 asks for is the library's, not the flag's.
const { main } = await import('../dist/cli.js');

main(process.argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`genesys-bulk: unexpected failure: ${err?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
