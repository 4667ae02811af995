import { Client } from 'pg';
import { describe, expect, it } from 'vitest';

/** The database integration suites use unless `ACCRUE_TEST_DATABASE_URL` says otherwise. */
export const defaultTestDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/test';

export interface PostgresAvailability {
  readonly url: string;
  /** `url` with any password masked, for test titles and messages. */
  readonly safeUrl: string;
  readonly reachable: boolean;
  /** Why it is not reachable (the driver's message). */
  readonly reason: string | undefined;
  /** `ACCRUE_REQUIRE_POSTGRES=1` (CI): an unreachable server fails the suite instead of skipping it. */
  readonly required: boolean;
}

/**
 * Checks once, before a suite declares its tests, whether PostgreSQL answers. Call it with top-level `await` in
 * the test file, then declare the suite with `describeWithPostgres`.
 */
export const probePostgres = async (
  url: string = process.env['ACCRUE_TEST_DATABASE_URL'] ?? defaultTestDatabaseUrl,
): Promise<PostgresAvailability> => {
  const required = process.env['ACCRUE_REQUIRE_POSTGRES'] === '1';
  const safeUrl = maskPassword(url);
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  // A refused connection also emits 'error'; without a listener that would be an uncaught exception.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { url, safeUrl, reachable: true, reason: undefined, required };
  } catch (error) {
    const reason = error instanceof Error ? error.message || error.name : String(error);
    return { url, safeUrl, reachable: false, reason, required };
  } finally {
    await client.end().catch(() => undefined);
  }
};

/**
 * Declares a suite that needs PostgreSQL. Reachable: the suite runs. Unreachable and required: one failing test
 * says so (CI must not pass by skipping). Unreachable otherwise: the suite is skipped with the reason in its
 * title, so the skip is visible in every report.
 */
export const describeWithPostgres = (
  availability: PostgresAvailability,
  name: string,
  body: (url: string) => void,
): void => {
  if (availability.reachable) {
    describe(name, () => {
      body(availability.url);
    });
    return;
  }
  const why = `PostgreSQL unreachable at ${availability.safeUrl}: ${availability.reason ?? 'unknown reason'}`;
  if (availability.required) {
    describe(name, () => {
      it('has a reachable PostgreSQL (ACCRUE_REQUIRE_POSTGRES=1)', () => {
        expect.fail(`${why}. Start it (pg_ctlcluster … main start) or set ACCRUE_TEST_DATABASE_URL.`);
      });
    });
    return;
  }
  describe.skip(`${name} SKIPPED: ${why}`, () => {
    body(availability.url);
  });
};

/** A fresh, unique schema name for one store in one test run (lower case, as `SchemaName` requires). */
export const uniqueTestSchema = (prefix = 'accrue_test'): string =>
  `${prefix}_${Date.now().toString(36)}_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;

/** Drops the given schemas and everything in them. */
export const dropSchemas = async (url: string, schemas: Iterable<string>): Promise<void> => {
  const names = [...schemas];
  if (names.length === 0) return;
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (const name of names)
      await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(name)} CASCADE`);
  } finally {
    await client.end();
  }
};

const maskPassword = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
};
