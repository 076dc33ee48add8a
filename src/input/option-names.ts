/**
 * How the input's messages name the options that choose a file's encoding and format: the CLI's flags
 * (`--encoding windows-1252`) or the library's options (`input.encoding: 'windows-1252'`), so that a library caller
 * never reads of flags it has not got. `format` is absent where no option chooses the format (a keys file).
 */
export interface InputNames {
  encoding(value?: string): string;
  format?: (value?: string) => string;
}

export const CLI_INPUT_NAMES: InputNames = {
  encoding: (value) => (value === undefined ? '--encoding' : `--encoding ${value}`),
  format: (value) => (value === undefined ? '--format' : `--format ${value}`),
};

/** The library's names, for options given as `${prefix}encoding` and `${prefix}format` (no `format` when null). */
export function libraryInputNames(encoding: string, format: string | null): InputNames {
  const option = (name: string) => (value?: string) => (value === undefined ? name : `${name}: '${value}'`);
  return { encoding: option(encoding), ...(format !== null && { format: option(format) }) };
}
