/**
 * A success (200) whose body is not what the call returns is not transient: the call is not retried, and the run
 * stops (a read) or the row fails, saying what was expected. It was retried 6 times as if it were a 5xx.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeServer, json, startFakeServer, withLogin } from '../genesys/fake-server.js';
import { type Sandbox, sandbox } from './harness.js';

let box: Sandbox | undefined;
let server: FakeServer | undefined;
afterEach(async () => {
  await box?.close();
  await server?.close();
  box = undefined;
  server = undefined;
});

describe('a 200 answer of the wrong shape', () => {
  it('a search answered with no results list: sent once, exit 1, the message says what was expected', async () => {
    box = await sandbox({ users: 10 });
    server = await startFakeServer(withLogin((_req, res) => json(res, 200, { results: 'none here' })));
    const file = join(box.dir, 'users.csv');
    await writeFile(file, 'email,title\nann@example.com,Lead\n');
    const r = await box.cli(['update', file, '--dry-run'], { env: { GENESYS_BASE_URL: server.url } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('expected "results" to be a list');
    expect(r.stderr).toContain('not retried');
    expect(server.requests.filter((q) => q.url === '/api/v2/users/search')).toHaveLength(1);
  });
});
