/**
 * Bundles the CLI (dist/cli.js, as tsc emitted it) into dist/bundle/, run by `npm run build` after tsc. Start-up
 * (issue #12): Node's ES module loader costs about half a millisecond per file, and `update` reaches some 130 of
 * them before its first request; the bundle holds the same code in a few files. Each `import()` the CLI makes to
 * load a command when it runs stays a chunk of its own (splitting), so no command loads another's code. Packages
 * stay outside (resolved from node_modules at run time, as before) but for a few every command loads; the library
 * (dist/index.js) is not bundled.
 * meta.json says which of dist/'s modules each file holds (test/e2e/lazy-loading.test.ts reads it).
 *
 * The platform SDK is the exception: dist/bundle/sdk.cjs holds the parts of it the adapter uses (src/genesys/sdk.ts
 * says why), built from the installed package's ES module sources with its dependencies; the CLI and the library
 * (dist/genesys/sdk.js, which finds it beside itself) require it in place of the package.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { SDK_PARTS } from '../dist/genesys/sdk.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SDK_FILE = 'sdk.cjs';
await buildSdk();
const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli.js'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Packages stay outside but for these pure-JS ones on every command's path, with their dependencies: inside, they
  // cost no module resolution, and the CommonJS ones no translation to ESM (pino alone reaches 28 files). pino's
  // transports run a worker from a file of its own and cannot work from a bundle: the CLI uses none (src/log.ts).
  plugins: [externalPackagesBut(withDependencies(['commander', 'dotenv', 'p-limit', 'p-retry', 'pino']))],
  // Error classes name themselves from `new.target.name`: a renamed class would change what users read.
  keepNames: true,
  // What the bundled CommonJS packages (commander, dotenv, pino) require of Node's own modules.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
  chunkNames: '[name]-[hash]',
  define: { GENESYS_BULK_SDK_BUNDLE: JSON.stringify(`./${SDK_FILE}`) },
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(`${root}dist/bundle/meta.json`, JSON.stringify(result.metafile));

/** The packages and, transitively, the packages they depend on, as installed. */
function withDependencies(names) {
  const all = new Set();
  const visit = (name, from) => {
    if (all.has(name)) return;
    all.add(name);
    const pkgFile = installedPackageJson(name, from);
    for (const dep of Object.keys(JSON.parse(readFileSync(pkgFile, 'utf8')).dependencies ?? {})) visit(dep, pkgFile);
  };
  for (const name of names) visit(name, `${root}package.json`);
  return [...all];
}

/**
 * The package.json of `name` as Node resolves it from the file `from`. Not `resolve('<name>/package.json')`: a
 * package's exports may not list it.
 */
function installedPackageJson(name, from) {
  const file = createRequire(from)
    .resolve.paths(name)
    .map((dir) => join(dir, name, 'package.json'))
    .find((f) => existsSync(f));
  if (!file) throw new Error(`bundle-cli: ${name} is not installed`);
  return file;
}

/** Leaves every package import to be resolved at run time (as `packages: 'external'` does) except `bundled`. */
function externalPackagesBut(bundled) {
  return {
    name: 'external-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
        return bundled.includes(name) ? undefined : { path: args.path, external: true };
      });
    },
  };
}

/**
 * The SDK's parts, each from the module of the package's sources that defines it (`ApiClientClass` is ApiClient.js,
 * the APIs are api/<name>.js), as one CommonJS file with every package they import.
 */
async function buildSdk() {
  const pkgFile = installedPackageJson('purecloud-platform-client-v2', `${root}package.json`);
  const sources = join(dirname(pkgFile), dirname(JSON.parse(readFileSync(pkgFile, 'utf8')).module));
  const fileOf = (part) =>
    part === 'ApiClientClass' ? 'ApiClient.js' : part.endsWith('Api') ? `api/${part}.js` : `${part}.js`;
  const entry = SDK_PARTS.map(
    (part) => `export { default as ${part} } from ${JSON.stringify(join(sources, fileOf(part)))};`,
  ).join('\n');
  await build({
    absWorkingDir: root,
    stdin: { contents: entry, resolveDir: sources, sourcefile: 'sdk-parts.js' },
    outfile: `dist/bundle/${SDK_FILE}`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    keepNames: true,
    logLevel: 'warning',
  });
}
