import * as t from 'io-ts';

interface SchemaNameBrand {
  readonly SchemaName: unique symbol;
}

/**
 * A PostgreSQL schema the store lives in. Restricted to lower-case unquoted identifiers (at most 63 bytes, the
 * server's limit) so the name means the same thing quoted or not, in `search_path`, in `psql` and in logs;
 * it is still always quoted when spliced into SQL.
 */
export const SchemaName = t.brand(
  t.string,
  (name): name is t.Branded<string, SchemaNameBrand> => /^[a-z_][a-z0-9_]{0,62}$/.test(name),
  'SchemaName',
);
export type SchemaName = t.TypeOf<typeof SchemaName>;

/** Decodes a configured schema name; an invalid one is a configuration bug, so it throws. */
export const schemaNameOrThrow = (name: string): SchemaName => {
  if (SchemaName.is(name)) return name;
  throw new TypeError(
    `invalid PostgreSQL schema name ${JSON.stringify(name)}: use lower-case letters, digits and _ (at most 63)`,
  );
};

/** `"schema"."table"`, safe to splice into SQL because both parts are validated identifiers. */
export const qualified = (schema: SchemaName, table: 'events' | 'schema_migrations'): string =>
  `"${schema}"."${table}"`;
