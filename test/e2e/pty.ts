/**
 * Runs the built CLI on a pseudo-terminal that is its controlling terminal (python3's pty.fork: a new session whose
 * terminal is the pty), as an admin at a terminal would, and types `answer` when the CLI asks. stdin may be a file
 * or /dev/null instead of the terminal: the question must still reach the terminal.
 */
import { spawn } from 'node:child_process';
import { BIN, type CliResult } from './harness.js';

const DRIVER = String.raw`
import os, pty, select, sys
stdin_path, answer = sys.argv[1], sys.argv[2].encode()
argv = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    if stdin_path:
        f = os.open(stdin_path, os.O_RDONLY)
        os.dup2(f, 0)
    os.execv(argv[0], argv)
out = b''
asked = 0
while True:
    try:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if out.count(b'[y/N]') > asked:
        asked += 1
        os.write(fd, answer + b'\n')
_, status = os.waitpid(pid, 0)
sys.stderr.write('asked=%d\n' % asked)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
`;

export interface PtyResult extends CliResult {
  /** Everything the CLI wrote to the terminal (stdout and stderr alike). */
  terminal: string;
  /** How many questions it asked. */
  asked: number;
}

export function runOnPty(
  args: string[],
  opts: { cwd: string; env: Record<string, string>; answer: string; stdinFile?: string },
): Promise<PtyResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'python3',
      ['-c', DRIVER, opts.stdinFile ?? '', opts.answer, process.execPath, '--', BIN, ...args],
      {
        cwd: opts.cwd,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const asked = Number(/asked=(\d+)/.exec(stderr)?.[1] ?? -1);
      resolve({ code, signal, stdout, stderr, terminal: stdout, asked });
    });
  });
}
