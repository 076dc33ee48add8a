import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wantsColor } from '../src/colors.js';
import { platformError } from '../src/genesys/classify.js';
import { createLogger } from '../src/log.js';
import type { PlanView } from '../src/plan/plan.js';
import { planToJson, renderPlanText } from '../src/plan/render.js';
import { createProgress } from '../src/progress.js';
import { escapeJsonText } from '../src/text.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: the tests look for them.
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const EVIL = 'Billing\u001b]0;owned\u0007\u001b[2J\u009b31m\u007f';

const tty = (hasColors: boolean) =>
  Object.assign(new PassThrough(), { isTTY: true, hasColors: () => hasColors }) as unknown as NodeJS.WriteStream;

describe('wantsColor', () => {
  it('NO_COLOR (any non-empty value) turns colour off, even on a colour terminal', () => {
    expect(wantsColor(tty(true), { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor(tty(true), { NO_COLOR: 'false' })).toBe(false);
    expect(wantsColor(tty(true), { NO_COLOR: '' })).toBe(true);
  });
  it('FORCE_COLOR turns it on into a pipe; FORCE_COLOR=0 turns it off', () => {
    expect(wantsColor(new PassThrough(), { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColor(tty(true), { FORCE_COLOR: '0' })).toBe(false);
    expect(wantsColor(new PassThrough(), { FORCE_COLOR: '1', NO_COLOR: 'x' })).toBe(false);
  });
  it('otherwise only a terminal that supports colour', () => {
    expect(wantsColor(new PassThrough(), {})).toBe(false);
    expect(wantsColor(tty(false), {})).toBe(false);
    expect(wantsColor(tty(true), {})).toBe(true);
  });
});

describe('logs', () => {
  it('escape every string, key and error message: JSON and pretty lines hold no raw control character', () => {
    for (const format of ['json', 'pretty'] as const) {
      const out = new PassThrough();
      let text = '';
      out.on('data', (d) => {
        text += String(d);
      });
      const log = createLogger({ format, level: 'info', destination: out });
      log.warn(`column "${EVIL}" is unknown`);
      log.info({ [EVIL]: EVIL, nested: { list: [EVIL] }, err: new Error(EVIL) }, 'Read %s', EVIL);
      log.child({ file: EVIL }).error(EVIL);
      expect(text.length).toBeGreaterThan(0);
      expect(text.replace(/\n/g, '')).not.toMatch(RAW);
      expect(text).toContain('\\u001b[2J');
      if (format === 'json') {
        const lines = text
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l));
        expect(lines[0].msg).toBe('column "Billing\\u001b]0;owned\\u0007\\u001b[2J\\u009b31m\\u007f" is unknown');
      }
    }
  });
});

describe('server messages', () => {
  it('the platform’s message is escaped where it is read, so every sink gets it clean', () => {
    const e = platformError({ message: `bad value ${EVIL}`, code: 'bad.request' });
    expect(e.message).not.toMatch(RAW);
    expect(e.message).toContain('\\u009b31m');
  });
});

describe('plan', () => {
  const plan: PlanView = {
    schemaVersion: 1,
    summary: {
      byStatus: { change: 1, unchanged: 0, not_found: 0, invalid: 0 },
      fields: { [`skill:${EVIL}`]: 1, [`x${EVIL}`]: 1 },
      requests: 1,
    },
    rows: [
      {
        rowNumber: 1,
        line: 2,
        key: 'a@example.com',
        userId: 'u-1',
        status: 'change',
        baseVersion: 1,
        diffs: [{ field: `skill:${EVIL}`, before: null, after: '3' }],
        patch: {},
      },
    ],
  } as unknown as PlanView;

  it('text: field names (catalogue names) are escaped in rows and in the Fields line', () => {
    const text = renderPlanText(plan, { color: false });
    expect(text).not.toMatch(RAW);
    expect(text).toContain('skill:Billing\\u001b]0;owned');
  });

  it('JSON: DEL, C1 and bidi controls are written as \\u escapes and parse back to the same value', () => {
    const json = planToJson(plan);
    expect(json).not.toMatch(/[\u007f-\u009f\u202e]/);
    expect(JSON.parse(json)).toEqual(plan);
    expect(JSON.parse(escapeJsonText(JSON.stringify({ a: '\u202e\u009b' })))).toEqual({ a: '\u202e\u009b' });
  });

  it('NO_COLOR vetoes colour a caller asked for', () => {
    const before = process.env.NO_COLOR;
    try {
      process.env.NO_COLOR = '1';
      expect(renderPlanText(plan, { color: true })).not.toContain('\u001b[');
      delete process.env.NO_COLOR;
      expect(renderPlanText(plan, { color: true })).toContain('\u001b[');
    } finally {
      if (before === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = before;
    }
  });
});

describe('progress', () => {
  it('on a terminal without colour wanted, redraws with a carriage return and no escape code', () => {
    const out = tty(true);
    let text = '';
    out.on('data', (d) => {
      text += String(d);
    });
    const p = createProgress(out, true, { NO_COLOR: '1' });
    p.start(2, 'Applying profile changes');
    p.update({ done: 2, total: 2, rateLimited: 0, retries: 0, failed: 0 });
    p.stop();
    expect(text).toContain('Applying profile changes 2/2');
    expect(text).not.toContain('\u001b');
  });
});

describe('structure of src', () => {
  const SRC = fileURLToPath(new URL('../src/', import.meta.url));
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split(sep).join('/'))
    .sort();

  /** Every relative specifier a module names: `import`, `import type`, `export … from`, a bare `import './x.js'` and `import('./x.js')`. */
  function relativeImports(text: string): string[] {
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const found: string[] = [];
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.\.?\/[^'"]+)['"]/g))
      found.push(m[1] as string);
    return found;
  }

  function importGraph(): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const text = readFileSync(join(SRC, file), 'utf8');
      const edges = relativeImports(text).map((spec) => {
        const target = posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts');
        expect(files, `${file} imports ${spec}, which is no module in src`).toContain(target);
        return target;
      });
      graph.set(file, [...new Set(edges)]);
    }
    return graph;
  }

  /** Each circle once, as the path that closes it (depth-first search; a grey node met again closes a circle). */
  function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const found: string[][] = [];
    const visit = (node: string): void => {
      state.set(node, 'open');
      path.push(node);
      for (const next of graph.get(node) ?? []) {
        if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(node, 'done');
    };
    for (const node of graph.keys()) if (!state.has(node)) visit(node);
    return found;
  }

  it('the import reader sees every form of relative import, and the search finds a circle', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "export type * from './d.js';",
      "import './e.js';",
      "const f = await import('./f.js');",
      "import { z } from 'zod';",
      "// import { g } from './g.js';",
      "/* import { h } from './h.js'; */",
    ].join('\n');
    expect(relativeImports(text)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js']);
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
    ]);
    expect(circles(graph)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('has no import circle (type-only and lazy imports count)', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(100);
    expect(circles(graph).map((c) => c.join(' > '))).toEqual([]);
  });

  // The emulator's route tables are one handler per platform endpoint: long lists, not long logic. Every other
  // module stays at 500 lines or fewer.
  const MAY_BE_LONG = (file: string) => /^emulator\/routes\/[^/]+\.ts$/.test(file);

  it('has no module above 500 lines but the emulator route tables', () => {
    const long = files
      .filter((f) => !MAY_BE_LONG(f))
      .map((f) => ({ f, lines: readFileSync(join(SRC, f), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > 500)
      .map(({ f, lines }) => `${f}: ${lines} lines`);
    expect(long).toEqual([]);
  });
});

describe('the SDK adapter', () => {
  const SRC = fileURLToPath(new URL('../src/', import.meta.url));
  /** The methods an interface declares, at its first level of indentation. */
  const methodsOf = (file: string, name: string): string[] => {
    const text = readFileSync(join(SRC, file), 'utf8');
    const body = text.slice(text.search(new RegExp(`export interface ${name}\\b[^{]*{`))).split('\n}\n')[0] as string;
    return [...body.matchAll(/^ {2}(\w+)(?:<[^>]*>)?\(/gm)].map((m) => m[1] as string);
  };

  it('exposes no method that nothing outside the adapter and the emulator calls', () => {
    const methods = [
      ...methodsOf('genesys/api.ts', 'GenesysClient'),
      ...methodsOf('genesys/groups-client.ts', 'GroupsCalls'),
    ];
    expect(methods.length).toBeGreaterThan(25);
    const callers = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
      .map((f) => f.split(sep).join('/'))
      .filter((f) => f.endsWith('.ts') && !/^(genesys|emulator)\//.test(f))
      .map((f) => readFileSync(join(SRC, f), 'utf8'))
      .join('\n');
    expect(methods.filter((m) => !new RegExp(`\\.${m}!?\\(`).test(callers))).toEqual([]);
  });
});
