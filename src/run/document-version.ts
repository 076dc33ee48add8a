/**
 * The version of the `--json` document and the row statuses it carries: what a reader checks first. A change that
 * removes or renames a key, or narrows a value, needs a new `schemaVersion`; adding a key, a status or a problem code
 * does not. Apart from the schema (document-schema.ts) so that writing a document never loads zod.
 */
export const OUTPUT_SCHEMA_VERSION = 1;

export const ROW_STATUSES = [
  'planned',
  'updated',
  'unchanged',
  'not_found',
  'invalid',
  'failed',
  'skipped',
  'to_create',
  'created',
  'to_delete',
  'deleted',
] as const;
