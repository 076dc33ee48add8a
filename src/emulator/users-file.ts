/**
 * `emulator --users-file`: the directory read from a JSON array of users, such as `GET /__emulator/users` gives, so
 * that a rehearsal can start again from where an earlier one left its users.
 */
import { readFile } from 'node:fs/promises';
import { ValidationError } from '../errors.js';
import { userShapeProblem } from '../genesys/shapes.js';
import type { GenesysUser } from '../genesys/types.js';
import { escapeControls } from '../text.js';

const STATES = ['active', 'inactive', 'deleted'];

/** The users of the file, or a ValidationError (exit 2) naming the file and its first problem. */
export async function readUsersFile(path: string): Promise<GenesysUser[]> {
  const shown = escapeControls(path);
  const fail = (why: string): never => {
    throw new ValidationError(
      `--users-file ${shown}: ${why}; give a JSON array of users, as GET /__emulator/users serves them`,
    );
  };
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    fail(`cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(`not JSON (${escapeControls((err as Error).message)})`);
  }
  if (!Array.isArray(parsed)) return fail('not a JSON array');
  const ids = new Set<string>();
  parsed.forEach((user: unknown, i) => {
    const at = `user ${i + 1} of the array`;
    const problem = userShapeProblem(user);
    if (problem !== undefined) fail(`${at}: ${problem}`);
    const u = user as GenesysUser;
    if (typeof u.name !== 'string' || u.name.trim() === '') fail(`${at}: has no name`);
    if (!STATES.includes(u.state as string)) fail(`${at}: its state must be one of ${STATES.join(', ')}`);
    if (typeof u.version !== 'number' || u.version < 1) fail(`${at}: its version must be a positive integer`);
    if (ids.has(u.id)) fail(`${at}: the id ${escapeControls(u.id)} is there twice`);
    ids.add(u.id);
  });
  return parsed as GenesysUser[];
}
