// Temporary: raw appends (no reads), 64 producers, one event of ~1.5 KB per append to a fresh stream.
import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
const which = process.argv[2] ?? 'new';
const mod = which === 'orig' ? await import('./postgres/postgresEventStore.js') : await import('../src/postgres/postgresEventStore.js');
const url = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `accrue_raw_${process.pid}`;
const store = await mod.createPostgresEventStore({ connectionString: url, schema });
const body = { lines: Array.from({ length: 10 }, (_, i) => ({ id: String(i), text: 'x'.repeat(100) })) };
const run = async (total: number, label: string) => {
  let next = 0; const s = performance.now();
  await Promise.all(Array.from({ length: 64 }, async () => {
    for (let n = next++; n < total; n = next++) {
      const r = await store.appendToStream(`${label}-${n}`, 'no_stream', [{ eventId: `${label}-${n}`, type: 'T', data: body, metadata: { c: n } }])();
      if (E.isLeft(r)) throw new Error('append failed');
    }
  }));
  return total / ((performance.now() - s) / 1000);
};
await run(2000, 'warm');
console.log(which, 'raw appends/s', Math.round(await run(30000, 'run')));
await store.close();
const c = new pg.Client(url); await c.connect(); await c.query(`DROP SCHEMA ${schema} CASCADE`); await c.end();
