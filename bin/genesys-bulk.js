#!/usr/bin/env -S node --
// `--` ends node's own options: without it, Node 20 takes a `--env-file` meant for this tool as its own
// (`node: nope.env: not found`, exit 9). Whoever spawns this file should pass `node -- bin/genesys-bulk.js` too.
const { main } = await import('../dist/bundle/cli.js');

// A reader that stops early (`| head`) closes stdout: main() reports it where a write of its own fails; a write it
// does not wait for (commander's help) would otherwise crash the process with an unhandled 'error' event.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
});
// The same for stderr once main() has returned (its last words, or none, are all that is left to say); EIO is a
// terminal that hung up (SIGHUP), which stops the run as Ctrl-C does and has no one left to read it.
process.stderr.on('error', (err) => {
  if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED' && err.code !== 'EIO') throw err;
});

main(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
}).then(
  (code) => {
    process.exitCode = code;
    // Interrupted: the run has saved its journal and waited for its writes, but a read it stopped waiting for (a
    // server that never answers) would hold the process until that request's own timeout, up to 30 s.
    if (code === 130) process.stderr.write('', () => process.exit(code));
  },
  (err) => {
    process.stderr.write(`genesys-bulk: unexpected failure: ${err?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
