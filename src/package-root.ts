import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * A file of this package, by its path from the package's root (the nearest folder above this module holding a
 * package.json). Found by walking up rather than by a fixed `../`, because the same code runs from src/, from dist/
 * and from the CLI's bundle in dist/bundle/ (scripts/bundle-cli.js), each at another depth.
 */
export function packageFile(path: string): string {
  if (root === undefined) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json'))) {
      const up = dirname(dir);
      if (up === dir) throw new Error(`genesys-bulk: no package.json above ${fileURLToPath(import.meta.url)}`);
      dir = up;
    }
    root = dir;
  }
  return join(root, path);
}
