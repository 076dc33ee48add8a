import { CLEAR_TOKEN, COLUMNS } from './input/columns.js';

/**
 * `genesys-bulk columns`: every column `update` reads, what it means, whether `<clear>` clears it, an example, and
 * the cell notation, from the same table the reader validates against (src/input/columns.ts), so it cannot drift.
 */

const NOTATION = [
  'Cells',
  `  (empty)          leaves the field as it is (the admin UI's import wipes an empty title, department, extension)`,
  `  ${CLEAR_TOKEN.padEnd(16)} clears the field (columns marked "clearable"); in JSON, null also clears`,
  '  Billing:4;Spanish:3   an exact list (skills, languages, roles): the user gets exactly these, the rest are removed',
  '  +Billing:4;-Spanish   changes only the named items: + adds (or sets the proficiency), - removes; others stay',
  '                        (queues take only this form); prefixed and plain items cannot be mixed in one cell',
  '  Name:N                a proficiency from 0 to 5, a whole number or one decimal (3.5); +Name alone keeps the',
  "                        user's current proficiency (0 for a new skill)",
  '  Role@Division         a role granted in a division; Role alone means the division named Home',
  '',
  'Headers match regardless of case, spaces, "_", "-" and "." (Phone Work is phone.work). A row names its user by id',
  'when the id cell is non-empty, else by email.',
  '',
  "A CSV whose header is the admin UI's import layout (name,email,phone_work,extension,title,department,",
  "email_manager,location_work,roles_divisions,queues,division,skills) is read with that layout's meaning instead:",
  'empty title/department/extension clear, queues and skills are only added (docs/admin-ui-layout.md).',
];

/** The text of `genesys-bulk columns`, wrapped at `width` characters. */
export function columnsText(width = 100): string {
  const out: string[] = ['Columns (CSV headers; JSON uses the same names, or nests employerInfo.* and phone.*)', ''];
  for (const c of COLUMNS) {
    out.push(`${c.name}${c.clearable ? '  (clearable)' : ''}`);
    for (const line of wrap(c.description, width - 4)) out.push(`    ${line}`);
    out.push(`    e.g. ${c.example}`);
  }
  out.push('', ...NOTATION);
  return `${out.join('\n')}\n`;
}

/** The columns as data, for `columns --json`. */
export function columnsJson(): string {
  return `${JSON.stringify(
    COLUMNS.map((c) => ({ name: c.name, description: c.description, clearable: c.clearable, example: c.example })),
  )}\n`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
