/** What to export: the columns asked for, and the users a `--keys` file names. */
import { CLI_NAMES, type OptionNames, ValidationError } from '../errors.js';
import { COLUMN_NAMES, unknownColumnMessage } from '../input/columns.js';
import { readInput } from '../input/index.js';
import { CLI_INPUT_NAMES, libraryInputNames } from '../input/option-names.js';
import { EMAILS_PER_SEARCH, IDS_PER_GET, type ResolveDeps, searchByEmails } from '../run/resolve.js';
import { escapeControls } from '../text.js';
import { DEFAULT_COLUMNS } from './cells.js';

/**
 * The columns asked for, checked against those `update` reads. `option` names them in messages as the caller knows
 * them: the CLI's `--columns`, the library's `columns`.
 */
export function parseColumns(spec: string | undefined, option = '--columns'): string[] {
  if (spec === undefined) return [...DEFAULT_COLUMNS];
  const columns = spec
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (columns.length === 0)
    throw new ValidationError(`${option} is empty: name at least one column, e.g. id,email,title.`);
  const unknown = columns.find((c) => !COLUMN_NAMES.has(c));
  if (unknown !== undefined) throw new ValidationError(`${option}: ${escapeControls(unknownColumnMessage(unknown))}`);
  const twice = columns.find((c, i) => columns.indexOf(c) !== i);
  if (twice !== undefined) throw new ValidationError(`${option} names ${JSON.stringify(twice)} twice.`);
  if (!columns.includes('id') && !columns.includes('email'))
    throw new ValidationError(
      `${option} must include id or email: without a key \`update\` cannot tell whose row it is.`,
    );
  return columns;
}

export interface Keys {
  ids: Set<string>;
  emails: Set<string>;
  /** The file's own spelling of a lower-cased email, searched with it too (as update does: resolve.ts). */
  spellings: Map<string, string>;
}

export async function readKeys(
  path: string,
  encoding: string | undefined,
  names: OptionNames = CLI_NAMES,
): Promise<Keys> {
  // The keys file's format is its extension's: no option chooses it.
  const inputNames =
    names === CLI_NAMES
      ? { encoding: CLI_INPUT_NAMES.encoding }
      : libraryInputNames(names.option('keysEncoding'), null);
  const parsed = await readInput({ path, ...(encoding !== undefined ? { encoding } : {}), names: inputNames });
  const keys: Keys = { ids: new Set(), emails: new Set(), spellings: new Map() };
  for (const row of parsed.rows) {
    if (row.key.kind === 'id') keys.ids.add(row.key.id.toLowerCase());
    else {
      keys.emails.add(row.key.email.toLowerCase());
      if (row.key.spelled !== undefined) keys.spellings.set(row.key.email.toLowerCase(), row.key.spelled);
    }
  }
  // Rows with nothing but a key are "skipped" for update, and are exactly what a keys file holds.
  for (const row of parsed.skippedRows) {
    const key = row.key.trim().toLowerCase();
    if (key.includes('@')) {
      keys.emails.add(key);
      if (row.key.trim() !== key) keys.spellings.set(key, row.key.trim());
    } else if (key !== '') keys.ids.add(key);
  }
  if (keys.ids.size === 0 && keys.emails.size === 0) {
    const first = parsed.problems.find((p) => p.severity === 'error');
    throw new ValidationError(
      `${names.option('keys')} ${JSON.stringify(escapeControls(path))} names no user: it needs an id or email column${first ? ` (${escapeControls(first.message)})` : ''}.`,
    );
  }
  return keys;
}

/** Calls that reading the users of `keys` by key takes: a search per 100 emails, then a read per 100 ids. */
export function keyReadCalls(keys: Keys): number {
  return Math.ceil(keys.emails.size / EMAILS_PER_SEARCH) + Math.ceil((keys.ids.size + keys.emails.size) / IDS_PER_GET);
}

/**
 * The ids of the users that `keys` names, its emails found by searching them (100 a search) rather than by listing
 * the directory: the export then reads them by id, with what its columns expand.
 */
export async function idsOfKeys(deps: ResolveDeps, keys: Keys): Promise<Set<string>> {
  const ids = new Set(keys.ids);
  const found = new Set<string>();
  await searchByEmails({ ...deps, spellings: keys.spellings }, [...keys.emails], {
    add(user) {
      const email = user.email?.trim().toLowerCase();
      if (user.state === 'deleted' || email === undefined || !keys.emails.has(email)) return;
      found.add(email);
      ids.add(user.id.toLowerCase());
    },
    hasId: (id) => ids.has(id.toLowerCase()),
    hasEmail: (email) => found.has(email),
    get size() {
      return ids.size;
    },
  });
  return ids;
}
