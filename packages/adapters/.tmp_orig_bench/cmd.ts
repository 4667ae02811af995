// Temporary: the bench's command run against the original or the new store, same process conditions.
import pg from 'pg';
// @ts-expect-error plain JS module
import { commandThroughput } from '../../../test/dist/bench/writeSide.bench.js';
const which = process.argv[2] ?? 'new';
const mod = which === 'orig' ? await import('./postgres/postgresEventStore.js') : await import('../src/postgres/postgresEventStore.js');
const url = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `accrue_cmd_${process.pid}`;
const store = await mod.createPostgresEventStore({ connectionString: url, schema });
await commandThroughput(store, 2000, 'warm');
console.log(which, 'commands/s', Math.round(await commandThroughput(store, 20000, 'run')));
await store.close();
const c = new pg.Client(url); await c.connect(); await c.query(`DROP SCHEMA ${schema} CASCADE`); await c.end();
