/** Writes docs/output.schema.json from the zod definition of the --json document (`npm run schema`). */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { outputJsonSchema } from '../src/run/document-schema.js';

const path = fileURLToPath(new URL('../docs/output.schema.json', import.meta.url));
writeFileSync(path, `${JSON.stringify(outputJsonSchema(), null, 2)}\n`);
// Formatted as the rest of the repository is, so that `npm run lint` passes on the file as generated.
execFileSync('npx', ['biome', 'format', '--write', path], { stdio: 'inherit' });
