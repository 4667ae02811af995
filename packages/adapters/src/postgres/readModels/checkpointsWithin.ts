import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { ClientBase } from 'pg';

import type { ProjectionStatus } from '@accrue/projections';

import type { Queryable } from '../queryable.js';
import type { SchemaName } from '../schemaName.js';
import { readModelTypes } from './rowCodec.js';
import { stateTable } from './tableNames.js';

/** Moves a generation's checkpoint, inside the caller's transaction (so it commits with the changes). */
export const setCheckpointWithin = async (
  client: ClientBase,
  schema: SchemaName,
  name: string,
  generation: number,
  position: bigint,
): Promise<void> => {
  await client.query(
    `INSERT INTO ${stateTable(schema, 'projection_checkpoints')} (name, generation, position) VALUES ($1, $2, $3)
     ON CONFLICT (name, generation) DO UPDATE SET position = EXCLUDED.position`,
    [name, generation, position.toString()],
  );
};

const BigIntValue = new t.Type<bigint>(
  'BigIntValue',
  (u): u is bigint => typeof u === 'bigint',
  (u, c) => (typeof u === 'bigint' ? t.success(u) : t.failure(u, c)),
  (b) => b,
);

const CheckpointRow = t.strict({ position: BigIntValue });

const StatusRow = t.strict({
  name: t.string,
  version: BigIntValue,
  generation: BigIntValue,
  position: t.union([BigIntValue, t.null]),
});

const decodeOrThrow = <A>(codec: t.Decoder<unknown, A>, row: unknown, what: string): A => {
  const decoded = codec.decode(row);
  if (E.isLeft(decoded)) throw new Error(`read-model ${what} holds a row of an unexpected shape`);
  return decoded.right;
};

/** The checkpoint of one generation (undefined before its first batch). */
export const readCheckpointWithin = async (
  client: Queryable,
  schema: SchemaName,
  name: string,
  generation: number,
): Promise<bigint | undefined> => {
  const result = await client.query({
    text: `SELECT position FROM ${stateTable(schema, 'projection_checkpoints')} WHERE name = $1 AND generation = $2`,
    values: [name, generation],
    types: readModelTypes,
  });
  const row: unknown = result.rows[0];
  return row === undefined ? undefined : decodeOrThrow(CheckpointRow, row, 'checkpoint').position;
};

/** Every activated projection with its live generation and that generation's checkpoint, by name. */
export const readStatusesWithin = async (
  client: Queryable,
  schema: SchemaName,
): Promise<ReadonlyArray<ProjectionStatus>> => {
  const result = await client.query({
    text: `SELECT s.name, s.version, s.generation, c.position
           FROM ${stateTable(schema, 'projection_state')} s
           LEFT JOIN ${stateTable(schema, 'projection_checkpoints')} c
             ON c.name = s.name AND c.generation = s.generation
           ORDER BY s.name`,
    types: readModelTypes,
  });
  return result.rows.map((row: unknown): ProjectionStatus => {
    const decoded = decodeOrThrow(StatusRow, row, 'projection_state');
    return {
      name: decoded.name,
      version: Number(decoded.version),
      generation: Number(decoded.generation),
      position: decoded.position ?? undefined,
    };
  });
};
