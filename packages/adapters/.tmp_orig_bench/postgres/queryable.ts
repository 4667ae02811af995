import type { ClientBase } from 'pg';

/**
 * What the per-operation modules need from a connection: a `pg.Client`, a checked-out `pg.PoolClient` (for
 * work inside a transaction) or a `pg.Pool` (for single statements).
 */
export type Queryable = Pick<ClientBase, 'query'>;
