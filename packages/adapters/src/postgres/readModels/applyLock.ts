import type { ClientBase } from 'pg';

import { advisoryLockKey } from '../advisoryLocks.js';
import type { SchemaName } from '../schemaName.js';

// Its own purpose key beside `migrate`, `append` and the read-model DDL lock.
const READ_MODEL_APPLY = 0x41435204;

/**
 * Takes the transaction-scoped lock that serialises everything applying events to the read models of `schema`:
 * every runner batch (`PostgresReadModelStore.transaction`) and an embedder's inline update inside its own
 * transaction. Without it, a batch that read a row before an inline update committed could write its older
 * version of the row over the newer one. `client` must be inside a transaction; the lock ends with it.
 *
 * Lock order: a transaction that also appends events takes the append lock first (by appending), then this one;
 * runner batches take only this one. So the two never wait on each other in a cycle.
 */
export const lockReadModelAppliesWithin = async (client: ClientBase, schema: SchemaName): Promise<void> => {
  const [, schemaKey] = advisoryLockKey('migrate', schema);
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [READ_MODEL_APPLY, schemaKey]);
};
