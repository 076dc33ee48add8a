import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { isatty, ReadStream, WriteStream } from 'node:tty';

/**
 * Consent to write: `--yes`, or an answer typed at the controlling terminal. The question goes to the terminal
 * device itself, never to stdin, which may carry the data or be /dev/null: an answer cannot come from a pipe.
 */
export interface Terminal {
  /**
   * Resolves true for y/yes; false for any other answer; undefined when the terminal closes with none (Ctrl-D, or a
   * CI job's pseudo-terminal that nobody types on). Rejects when `signal` aborts.
   */
  ask(question: string, signal?: AbortSignal): Promise<boolean | undefined>;
  close(): void;
}

/** Opens the terminal to ask on; undefined when the process has none. Injected by tests. */
export type OpenTerminal = () => Terminal | undefined;

export interface Consent {
  /** --yes: apply without asking. */
  yes: boolean;
  openTerminal: OpenTerminal;
  /** Why nothing was written when there is no one to ask (default NO_TERMINAL_MESSAGE, which names --yes). */
  noOneToAsk?: string;
}

export const NO_TERMINAL_MESSAGE = 'nothing written: pass --yes to apply without a terminal.';

export const NO_ANSWER_MESSAGE =
  'nothing written: the terminal closed without an answer; pass --yes to apply without asking.';

/** The process's controlling terminal (/dev/tty), or undefined when it has none (a service, a CI job, setsid). */
export const openControllingTerminal: OpenTerminal = () => {
  let inFd: number | undefined;
  let outFd: number | undefined;
  try {
    inFd = openSync('/dev/tty', 'r');
    outFd = openSync('/dev/tty', 'w');
    if (!isatty(inFd)) throw new Error('not a terminal');
  } catch {
    if (inFd !== undefined) closeSync(inFd);
    if (outFd !== undefined) closeSync(outFd);
    return undefined;
  }
  // Two descriptors, since one handle per descriptor is all libuv allows.
  const input = new ReadStream(inFd);
  const output = new WriteStream(outFd);
  return streamTerminal(input, output, () => {
    input.destroy();
    output.destroy();
  });
};

/** A Terminal over a pair of streams: the real one above, or a test's. */
export function streamTerminal(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  onClose: () => void = () => {},
): Terminal {
  return {
    ask: async (question, signal) => {
      const rl = createInterface({ input, output, terminal: false });
      try {
        const answer = await new Promise<string | undefined>((resolve, reject) => {
          rl.once('close', () => resolve(undefined));
          rl.question(`${question} [y/N] `, { signal }, resolve);
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
        return answer === undefined ? undefined : /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
    close: onClose,
  };
}

/** 'yes' to go ahead, 'no' when the answer was no, 'none' when nobody can be asked, 'unanswered' when nobody did. */
export async function askConsent(
  consent: Consent,
  question: string,
  signal?: AbortSignal,
): Promise<'yes' | 'no' | 'none' | 'unanswered'> {
  if (consent.yes) return 'yes';
  const terminal = consent.openTerminal();
  if (!terminal) return 'none';
  try {
    const answer = await terminal.ask(question, signal);
    return answer === undefined ? 'unanswered' : answer ? 'yes' : 'no';
  } finally {
    terminal.close();
  }
}
