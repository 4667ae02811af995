import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { describeWithPostgres, probePostgres } from '@accrue/adapters/postgres/testing';

import { accrue, repoRoot } from '../support/cli.js';

/**
 * Acceptance (round trip): the 75 official examples imported as drafts into SQLite, exported, imported into a
 * fresh PostgreSQL database and exported again give the same events, byte for byte; a log with one altered
 * digit is refused by import, and a store with one altered digit fails `verify`, naming the event.
 */
const oracleDir = join(repoRoot, '..', 'shared', 'oracles', 'ubl-examples');
const manifest = join(oracleDir, 'MANIFEST.tsv');
const availability = await probePostgres();

describeWithPostgres(availability, 'log round trip SQLite → PostgreSQL', (url) => {
  const folder = mkdtempSync(join(tmpdir(), 'accrue-roundtrip-'));
  const database = `accrue_roundtrip_${process.pid}_${Date.now().toString(36)}`;
  const targetUrl = new URL(url);
  targetUrl.pathname = `/${database}`;
  const admin = async <A>(run: (client: pg.Client) => Promise<A>): Promise<A> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await admin((client) => client.query(`CREATE DATABASE ${database}`));
  });
  afterAll(async () => {
    await admin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    rmSync(folder, { recursive: true, force: true });
  });

  it.skipIf(!existsSync(manifest))(
    'moves the 75 examples unchanged, and refuses a tampered log',
    { timeout: 180_000 },
    () => {
      const files = readFileSync(manifest, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => join(oracleDir, line.split('\t')[0] ?? ''));
      expect(files).toHaveLength(75);
      const sqlite = { ACCRUE_STORE: `sqlite:${join(folder, 'source.db')}` };
      const postgres = { ACCRUE_STORE: targetUrl.toString() };

      const imported = accrue(['import-ubl', ...files], { env: sqlite });
      expect(imported.stderr).toBe('');
      expect(imported.status).toBe(0);
      expect(imported.stdout.trim().split('\n')).toHaveLength(75);

      const fromSqlite = accrue(['export'], { env: sqlite });
      expect(fromSqlite.status).toBe(0);
      expect(fromSqlite.stdout.trim().split('\n')).toHaveLength(75);

      const load = accrue(['import'], { env: postgres, input: fromSqlite.stdout });
      expect(load.stderr).toBe('');
      expect(JSON.parse(load.stdout)).toEqual({ imported: 75, streams: 75 });

      const fromPostgres = accrue(['export'], { env: postgres });
      expect(fromPostgres.stdout).toBe(fromSqlite.stdout);
      expect(JSON.parse(accrue(['verify'], { env: postgres }).stdout)).toEqual({
        ok: true,
        events: 75,
        streams: 75,
      });

      // One altered digit in one amount: import refuses the whole log with the line number, writing nothing.
      const lines = fromSqlite.stdout.trim().split('\n');
      const victim = lines.findIndex((line) => /"netPrice":"\d/.test(line));
      expect(victim).toBeGreaterThanOrEqual(0);
      const tampered = [...lines];
      tampered[victim] = (lines[victim] ?? '').replace(
        /"netPrice":"(\d)/,
        (_m, d: string) => `"netPrice":"${d === '9' ? '8' : '9'}`,
      );
      const freshSqlite = { ACCRUE_STORE: `sqlite:${join(folder, 'fresh.db')}` };
      const refused = accrue(['import'], { env: freshSqlite, input: `${tampered.join('\n')}\n` });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(`line ${victim + 1}:`);
      expect(refused.stderr).toContain('hash_mismatch');
      expect(accrue(['export'], { env: freshSqlite }).stdout).toBe('');

      // The same digit altered inside the store: verify names the event and fails.
      const victimEvent = JSON.parse(lines[victim] ?? '{}') as { eventId: string; stream: string };
      const db = new Database(join(folder, 'source.db'));
      const row = db
        .prepare<[string], { data: string }>('SELECT data FROM events WHERE event_id = ?')
        .get(victimEvent.eventId);
      const altered = (row?.data ?? '').replace(
        /"netPrice":"(\d)/,
        (_m, d: string) => `"netPrice":"${d === '9' ? '8' : '9'}`,
      );
      expect(altered).not.toBe(row?.data);
      db.prepare('UPDATE events SET data = ? WHERE event_id = ?').run(altered, victimEvent.eventId);
      db.close();
      const verdict = accrue(['verify'], { env: sqlite });
      expect(verdict.status).toBe(1);
      expect(JSON.parse(verdict.stdout)).toMatchObject({
        ok: false,
        stream: victimEvent.stream,
        eventId: victimEvent.eventId,
        reason: 'hash_mismatch',
      });
    },
  );
});
