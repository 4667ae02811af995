import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll } from 'vitest';

import { readModelStoreContract } from '../testing/readModelStoreContract.js';
import { createSqliteReadModelStore } from './readModelStore.js';

const folder = mkdtempSync(join(tmpdir(), 'accrue-read-models-'));
let files = 0;
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

readModelStoreContract('sqlite :memory:', () =>
  Promise.resolve(createSqliteReadModelStore({ path: ':memory:' })),
);

readModelStoreContract('sqlite file', () =>
  Promise.resolve(createSqliteReadModelStore({ path: join(folder, `${String(files++)}.db`) })),
);
