/**
 * Bundles the baseline clients to plain JavaScript before they are measured, so that, like genesys-bulk (run from
 * dist/), they start without a TypeScript loader and their CPU time is their own. Packages stay external and
 * resolve from the project's node_modules, which is why the bundles are written inside the project.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const BASELINES = ['baseline-naive', 'baseline-tutorial'] as const;
export type Baseline = (typeof BASELINES)[number];

const benchDir = fileURLToPath(new URL('.', import.meta.url));

export async function buildBaselines(outdir: string): Promise<Record<Baseline, string>> {
  await build({
    entryPoints: Object.fromEntries(BASELINES.map((b) => [b, join(benchDir, 'clients', `${b}.ts`)])),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  return Object.fromEntries(BASELINES.map((b) => [b, join(outdir, `${b}.mjs`)])) as Record<Baseline, string>;
}
