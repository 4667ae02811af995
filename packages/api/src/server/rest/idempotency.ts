import { createHash } from 'node:crypto';

import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import type { KeyedMutex } from '@accrue/domain';
import { createKeyedMutex } from '@accrue/domain';
import type { Projection, ReadModelStore } from '@accrue/projections';

/**
 * Stored answers to requests that carried an `Idempotency-Key`, so that a retry gets the first answer and a
 * reuse of the key for another request is refused.
 *
 * Where: a table in the read-model database, declared through the `ReadModelStore` port as a projection-like
 * table set that no event feeds (`api_idempotency`, generation 1, never activated, so neither the runner nor a
 * rebuild touches it). That database is already open in every deployment (SQLite beside the log, or the
 * PostgreSQL schema `accrue_read`), works the same on every event store including EventStoreDB (which has no
 * tables), and survives restarts. The event store's port has no place for it.
 *
 * Losing this table (someone deletes the read-model database to rebuild it) degrades gracefully: the key is
 * also the command id, so the event log still refuses to apply a command twice and a retry is answered from
 * the log; only the "same key, other body" check and stored 4xx answers are forgotten.
 */
export interface StoredResponse {
  readonly requestHash: string;
  readonly status: number;
  readonly body: unknown;
}

export interface IdempotencyStore {
  find(tenantId: string, scope: string, key: string): Promise<StoredResponse | undefined>;
  /** Records the first answer for the key; returns the one that stands (an earlier one, if a racer won). */
  save(tenantId: string, scope: string, key: string, response: StoredResponse): Promise<StoredResponse>;
  /** Serialises this process's requests with the same key (a racing duplicate waits for the first answer). */
  readonly locks: KeyedMutex;
}

const TABLE = 'responses';

/** Not a projection of events: a table set the read-model store manages for the API. */
const idempotencyTables: Projection = {
  name: 'api_idempotency',
  version: 1,
  tables: [
    {
      name: TABLE,
      columns: [
        { name: 'tenant_id', type: 'text' },
        { name: 'scope', type: 'text' },
        { name: 'key_hash', type: 'text' },
        { name: 'request_hash', type: 'text' },
        { name: 'status', type: 'integer' },
        { name: 'body', type: 'json' },
      ],
      primaryKey: ['tenant_id', 'scope', 'key_hash'],
    },
  ],
  apply: () => [],
};
const GENERATION = 1;

const StoredRow = t.type({
  request_hash: t.string,
  status: t.union([t.bigint, t.number]),
  body: t.string,
});

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const decodeRow = (row: unknown): StoredResponse | undefined => {
  const decoded = StoredRow.decode(row);
  if (E.isLeft(decoded)) return undefined;
  return {
    requestHash: decoded.right.request_hash,
    status: Number(decoded.right.status),
    body: JSON.parse(decoded.right.body) as unknown,
  };
};

export const createIdempotencyStore = async (readModels: ReadModelStore): Promise<IdempotencyStore> => {
  await readModels.prepare(idempotencyTables, GENERATION);
  const key = (tenantId: string, scope: string, idempotencyKey: string) => ({
    tenant_id: tenantId,
    scope,
    key_hash: sha256(idempotencyKey),
  });
  return {
    locks: createKeyedMutex(),
    find: async (tenantId, scope, idempotencyKey) => {
      const row = await readModels.transaction((tx) =>
        tx.get(idempotencyTables, GENERATION, TABLE, key(tenantId, scope, idempotencyKey)),
      );
      return row === undefined ? undefined : decodeRow(row);
    },
    save: (tenantId, scope, idempotencyKey, response) =>
      readModels.transaction(async (tx) => {
        const address = key(tenantId, scope, idempotencyKey);
        const existing = await tx.get(idempotencyTables, GENERATION, TABLE, address);
        const standing = existing === undefined ? undefined : decodeRow(existing);
        if (standing !== undefined) return standing;
        await tx.apply(idempotencyTables, GENERATION, [
          {
            op: 'upsert',
            table: TABLE,
            row: {
              ...address,
              request_hash: response.requestHash,
              status: BigInt(response.status),
              body: JSON.stringify(response.body),
            },
          },
        ]);
        return response;
      }),
  };
};

/** The hash a retry must match: the route, its path parameters and the body in canonical form. */
export const requestHash = (route: string, params: unknown, body: unknown): string =>
  sha256(canonical({ route, params, body: body ?? null }));

const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  // JSON.stringify gives undefined for what JSON cannot hold (functions…), which a parsed body never has.
  return value === undefined ? 'null' : JSON.stringify(value);
};

/**
 * The command id for a key: scoped by tenant and route, hashed (keys are client text of any shape), so the
 * same key on another route or for another tenant is another command.
 */
export const commandIdOf = (tenantId: string, scope: string, idempotencyKey: string): string =>
  `idem-${sha256(`${tenantId}\u0000${scope}\u0000${idempotencyKey}`).slice(0, 40)}`;

/** An id derived from a command id (`uuid`-shaped), so a retry of the same command addresses the same entity. */
export const derivedId = (commandId: string, purpose: string): string => {
  const hex = sha256(`${commandId}\u0000${purpose}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};
