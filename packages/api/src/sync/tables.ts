import type { Projection, ReadModelStore, ReadModelTransaction, Row } from '@accrue/projections';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

/**
 * The process manager's own tables, in the read-model database beside the read models (SQLite beside the log,
 * or the PostgreSQL schema `accrue_read`), declared through the `ReadModelStore` port like `api_idempotency`:
 * a table set no projection feeds (generation 1, never activated, so neither the projection runner nor a
 * rebuild touches it). Its checkpoint is a read-model checkpoint, committed in the same transaction as the rows.
 *
 * - `streams`: one row per (tenant, invoice, provider) sync stream: the provider's id and payment link, when the
 *   stream next needs the process manager (`due_at`, null when idle), and whether the invoice still expects
 *   money (`invoice_open`, for polling Dollr).
 * - `links`: (provider, external id) → (tenant, invoice), how webhooks find their invoice.
 *
 * Everything here is derived from the log (the reactor folds the sync streams it sees), so losing it loses no
 * fact: with the tables (and their checkpoint) gone, the next start indexes the whole log again.
 */
export const PROVIDER_SYNC_TABLES = 'provider_sync';
const GENERATION = 1;

export const providerSyncTables: Projection = {
  name: PROVIDER_SYNC_TABLES,
  version: 1,
  tables: [
    {
      name: 'streams',
      columns: [
        { name: 'tenant_id', type: 'text' },
        { name: 'invoice_id', type: 'text' },
        { name: 'provider', type: 'text' },
        { name: 'external_id', type: 'text', nullable: true },
        { name: 'payment_link', type: 'text', nullable: true },
        { name: 'due_at', type: 'text', nullable: true },
        { name: 'invoice_open', type: 'integer' },
      ],
      primaryKey: ['tenant_id', 'invoice_id', 'provider'],
      indexes: [['due_at'], ['provider', 'invoice_open']],
    },
    {
      name: 'links',
      columns: [
        { name: 'provider', type: 'text' },
        { name: 'external_id', type: 'text' },
        { name: 'tenant_id', type: 'text' },
        { name: 'invoice_id', type: 'text' },
      ],
      primaryKey: ['provider', 'external_id'],
    },
  ],
  apply: () => [],
};

/**
 * Where the reactor starts reacting: the log's head when the sync first started. Events before it were there
 * before any connection was, so they are indexed but never pushed to providers (ADR 17).
 */
const originMarker: Projection = {
  name: `${PROVIDER_SYNC_TABLES}_origin`,
  version: 1,
  tables: [],
  apply: () => [],
};

export interface StreamKey {
  readonly tenantId: string;
  readonly invoiceId: string;
  readonly provider: string;
}

export const streamKeyId = (key: StreamKey): string =>
  `${key.tenantId}\u0000${key.invoiceId}\u0000${key.provider}`;

export interface StreamRow extends StreamKey {
  readonly externalId: string | undefined;
  readonly paymentLink: string | undefined;
  readonly dueAt: string | undefined;
  readonly invoiceOpen: boolean;
}

const Integer = t.union([t.bigint, t.number, t.boolean]);
const Text = t.union([t.string, t.null]);

const StreamRowCodec = t.type({
  tenant_id: t.string,
  invoice_id: t.string,
  provider: t.string,
  external_id: Text,
  payment_link: Text,
  due_at: Text,
  invoice_open: Integer,
});

const LinkRowCodec = t.type({ tenant_id: t.string, invoice_id: t.string });

const orUndefined = (value: string | null): string | undefined => value ?? undefined;

const toStreamRow = (row: unknown): StreamRow | undefined => {
  const decoded = StreamRowCodec.decode(row);
  if (E.isLeft(decoded)) return undefined;
  const r = decoded.right;
  return {
    tenantId: r.tenant_id,
    invoiceId: r.invoice_id,
    provider: r.provider,
    externalId: orUndefined(r.external_id),
    paymentLink: orUndefined(r.payment_link),
    dueAt: orUndefined(r.due_at),
    invoiceOpen: r.invoice_open === true || r.invoice_open === 1 || r.invoice_open === 1n,
  };
};

const fromStreamRow = (row: StreamRow): Row => ({
  tenant_id: row.tenantId,
  invoice_id: row.invoiceId,
  provider: row.provider,
  external_id: row.externalId ?? null,
  payment_link: row.paymentLink ?? null,
  due_at: row.dueAt ?? null,
  invoice_open: row.invoiceOpen ? 1n : 0n,
});

export interface ProviderSyncTables {
  /** The reactor's checkpoint (the last position it handled), undefined before its first batch. */
  readonly checkpoint: () => Promise<bigint | undefined>;
  /** The origin (see `originMarker`): `null` when recorded as "react to everything". */
  readonly origin: () => Promise<bigint | null | undefined>;
  readonly saveOrigin: (position: bigint | null) => Promise<void>;
  /** Applies row updates and moves the checkpoint, in one transaction. */
  readonly commit: (
    work: (tx: SyncTablesTransaction) => Promise<void>,
    position: bigint | undefined,
  ) => Promise<void>;
  readonly dueStreams: () => Promise<ReadonlyArray<StreamRow>>;
  readonly openStreams: (provider: string, tenantId: string) => Promise<ReadonlyArray<StreamRow>>;
  readonly findLink: (
    provider: string,
    externalId: string,
  ) => Promise<{ readonly tenantId: string; readonly invoiceId: string } | undefined>;
  readonly saveLink: (provider: string, externalId: string, key: StreamKey) => Promise<void>;
}

export interface SyncTablesTransaction {
  readonly getStream: (key: StreamKey) => Promise<StreamRow | undefined>;
  readonly putStream: (row: StreamRow) => Promise<void>;
  readonly putLink: (provider: string, externalId: string, key: StreamKey) => Promise<void>;
}

const NO_POSITION = -1n;

export const openProviderSyncTables = async (readModels: ReadModelStore): Promise<ProviderSyncTables> => {
  await readModels.prepare(providerSyncTables, GENERATION);
  const streams = readModels.tableName(PROVIDER_SYNC_TABLES, 'streams', GENERATION);
  const links = readModels.tableName(PROVIDER_SYNC_TABLES, 'links', GENERATION);

  const transactionApi = (tx: ReadModelTransaction): SyncTablesTransaction => ({
    getStream: async (key) =>
      toStreamRow(
        await tx.get(providerSyncTables, GENERATION, 'streams', {
          tenant_id: key.tenantId,
          invoice_id: key.invoiceId,
          provider: key.provider,
        }),
      ),
    putStream: (row) =>
      tx.apply(providerSyncTables, GENERATION, [{ op: 'upsert', table: 'streams', row: fromStreamRow(row) }]),
    putLink: (provider, externalId, key) =>
      tx.apply(providerSyncTables, GENERATION, [
        {
          op: 'upsert',
          table: 'links',
          row: { provider, external_id: externalId, tenant_id: key.tenantId, invoice_id: key.invoiceId },
        },
      ]),
  });

  return {
    checkpoint: () => readModels.checkpoint(PROVIDER_SYNC_TABLES, GENERATION),
    origin: async () => {
      const stored = await readModels.checkpoint(originMarker.name, GENERATION);
      return stored === NO_POSITION ? null : stored;
    },
    saveOrigin: (position) =>
      readModels.transaction((tx) => tx.setCheckpoint(originMarker, GENERATION, position ?? NO_POSITION)),
    commit: (work, position) =>
      readModels.transaction(async (tx) => {
        await work(transactionApi(tx));
        if (position !== undefined) await tx.setCheckpoint(providerSyncTables, GENERATION, position);
      }),
    dueStreams: async () =>
      (await readModels.query(`SELECT * FROM ${streams} WHERE due_at IS NOT NULL`))
        .map(toStreamRow)
        .filter((row): row is StreamRow => row !== undefined),
    openStreams: async (provider, tenantId) =>
      (
        await readModels.query(
          `SELECT * FROM ${streams} WHERE provider = ? AND tenant_id = ? AND invoice_open = 1 AND external_id IS NOT NULL`,
          [provider, tenantId],
        )
      )
        .map(toStreamRow)
        .filter((row): row is StreamRow => row !== undefined),
    findLink: async (provider, externalId) => {
      const [row] = await readModels.query(
        `SELECT tenant_id, invoice_id FROM ${links} WHERE provider = ? AND external_id = ?`,
        [provider, externalId],
      );
      const decoded = LinkRowCodec.decode(row);
      return E.isRight(decoded)
        ? { tenantId: decoded.right.tenant_id, invoiceId: decoded.right.invoice_id }
        : undefined;
    },
    saveLink: (provider, externalId, key) =>
      readModels.transaction((tx) => transactionApi(tx).putLink(provider, externalId, key)),
  };
};
