#!/usr/bin/env -S node --
// The CLI as a program that calls the library runs it: `main` from dist/ as tsc wrote it (not the CLI's bundle), with
// the SDK as the library loads it (dist/bundle/sdk.cjs). The memory part (bench/memory.ts) measures this path: the
// bound issue #12 asks for is the library's. (bin/ once set a V8 flag, `--optimize-for-size`, that a library caller would not get; it sets none.)
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
