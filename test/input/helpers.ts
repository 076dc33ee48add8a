import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { type InputFormat, type InputProblem, type ParsedInput, readInput } from '../../src/input/index.js';

export const ANA_ID = '6a1f0c52-3c0e-4d6c-9f3e-2b8f1f0e9a11';
export const BOB_ID = '0b7d2e4c-91a5-4f3b-8c2d-5e6f7a8b9c01';

/** A byte stream that yields each chunk separately, as a file or pipe would. */
export function streamOf(...chunks: (string | Uint8Array)[]): NodeJS.ReadableStream {
  return Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c))));
}

export function parseText(
  text: string | Uint8Array,
  format: InputFormat,
  path = `users.${format}`,
): Promise<ParsedInput> {
  return readInput({ path, stream: streamOf(text), format });
}

/** The fatal error a parse throws; fails the test when it does not throw a ValidationError. */
export async function fatal(promise: Promise<unknown>): Promise<ValidationError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return err as ValidationError;
}

export function errors(parsed: ParsedInput): InputProblem[] {
  return parsed.problems.filter((p) => p.severity === 'error');
}

export function warnings(parsed: ParsedInput): InputProblem[] {
  return parsed.problems.filter((p) => p.severity === 'warning');
}

/** Parses a one-data-row CSV and returns its only problem (asserting there is exactly one). */
export async function onlyProblem(csv: string): Promise<InputProblem> {
  const parsed = await parseText(csv, 'csv');
  expect(parsed.problems).toHaveLength(1);
  return parsed.problems[0]!;
}
