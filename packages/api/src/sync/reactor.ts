import type {
  CommandContext,
  EventStore,
  InvoiceEvent,
  InvoiceId,
  LoadedEvent,
  ProviderSyncEvent,
  ProviderSyncAggregate,
  RecordedEvent,
  Sha256Hex,
  SyncOperation,
} from '@accrue/domain';
import {
  FIRST_ATTEMPT,
  SourceEventId,
  StoreFailure,
  SyncProvider,
  decodeRecordedEvent,
  foldLoaded,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
  loadStream,
  nextSyncDueAt,
  parseProviderSyncStream,
  parseStreamName,
  providerSyncStream,
} from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import type { SyncClock } from './clock.js';
import { timestampOf } from './clock.js';
import type { ProviderConnection, ProviderConnections } from './connections.js';
import { SYNC_ACTOR, cameFrom, syncCommandId } from './ids.js';
import type { SyncLog } from './log.js';
import { describeFailure } from './log.js';
import type { ProviderSyncTables, StreamKey, StreamRow, SyncTablesTransaction } from './tables.js';
import { streamKeyId } from './tables.js';

/**
 * The reacting half of the process manager: follows the global log from a durable checkpoint (at least once),
 * and
 * - for each invoice event of a tenant with provider connections, asks each connection for the operation the
 *   event calls for (`RequestProviderSync`, idempotent by source event), if the adapter supports it;
 * - indexes every provider sync stream it sees (and invoice closings) into the sync tables, committed with the
 *   checkpoint in one transaction: what restarts, webhooks and the Dollr poller look up.
 *
 * A crash between a request and the checkpoint redelivers the event; the request is then a no-op (same command
 * id, and the decider has it already). Provider calls happen in the executor, never here.
 */
export interface SyncReactor {
  /** Records where reacting starts, the first time (the log's head then: history is indexed, not pushed). */
  readonly initialise: () => Promise<void>;
  /** Handles everything committed so far. */
  readonly catchUp: () => Promise<void>;
  /** Follows the log in the background until `stop`. */
  readonly start: () => void;
  readonly stop: () => Promise<void>;
}

export interface SyncReactorDeps {
  readonly store: EventStore;
  readonly tables: ProviderSyncTables;
  readonly connections: ProviderConnections;
  readonly aggregate: ProviderSyncAggregate;
  readonly clock: SyncClock;
  readonly log: SyncLog;
  readonly sha256?: Sha256Hex;
  /** Called after each committed batch with the streams that got work (the executor starts on them). */
  readonly onWork: (keys: ReadonlyArray<StreamKey>) => void;
  /** Events per read (default 500). */
  readonly batchSize?: number;
  /** Wait after a failed batch before trying again (default 1 s of the sync clock). */
  readonly retryDelayMs?: number;
}

/** The operation an invoice event asks of providers, if any. */
export const operationFor = (event: InvoiceEvent): SyncOperation | undefined => {
  switch (event.type) {
    case 'InvoiceApproved':
      return 'issue';
    case 'InvoiceSent':
      return 'send';
    case 'PaymentRecorded':
      return 'recordPayment';
    case 'InvoiceVoided':
      return 'void';
    case 'InvoiceWrittenOff':
      return 'markUncollectible';
    default:
      return undefined;
  }
};

/** Invoice events after which the invoice expects no more money (Dollr polling stops). */
const closesInvoice = (event: InvoiceEvent): boolean =>
  event.type === 'InvoicePaid' || event.type === 'InvoiceVoided' || event.type === 'InvoiceWrittenOff';

const bug = (message: string): never => {
  throw new Error(`provider sync: ${message}`);
};

export const createSyncReactor = (deps: SyncReactorDeps): SyncReactor => {
  const batchSize = deps.batchSize ?? 500;
  const hashing = deps.sha256 === undefined ? {} : { sha256: deps.sha256 };
  let origin: bigint | null = null;
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let exclusive: Promise<unknown> = Promise.resolve();
  const serialised = <A>(work: () => Promise<A>): Promise<A> => {
    const result = exclusive.then(work, work);
    exclusive = result.catch(() => undefined);
    return result;
  };

  const logHead = async (): Promise<bigint | undefined> => {
    let after: bigint | undefined;
    for (;;) {
      const batch = await deps.store.readAll({
        ...(after === undefined ? {} : { after }),
        maxCount: 10_000,
      })();
      if (E.isLeft(batch)) throw new StoreFailure(batch.left);
      if (batch.right.events.length < 10_000) return batch.right.lastPosition ?? after;
      after = batch.right.lastPosition;
    }
  };

  const request = async (
    connection: ProviderConnection,
    invoiceId: InvoiceId,
    operation: SyncOperation,
    sourceEventId: SourceEventId,
    cause: RecordedEvent,
  ): Promise<'requested' | 'not_issued'> => {
    const provider = SyncProvider.is(connection.provider) ? connection.provider : bug('provider name');
    const stream = providerSyncStream(connection.tenantId, invoiceId, provider);
    const now = timestampOf(deps.clock.now());
    const context: CommandContext = {
      tenantId: connection.tenantId,
      commandId: syncCommandId(stream, operation, sourceEventId, 1, 'request'),
      causationId: cause.eventId,
      ...(typeof cause.metadata['correlationId'] === 'string'
        ? { correlationId: cause.metadata['correlationId'] }
        : {}),
      actor: SYNC_ACTOR,
      now,
    };
    const outcome = await handleCommand(
      deps.store,
      deps.aggregate,
      stream,
      {
        type: 'RequestProviderSync',
        data: {
          tenantId: connection.tenantId,
          invoiceId,
          provider,
          operation,
          sourceEventId,
          attempt: FIRST_ATTEMPT,
          now,
        },
      },
      context,
      hashing,
    )();
    if (E.isRight(outcome)) return 'requested';
    if (outcome.left._tag === 'CommandRejected' && outcome.left.error._tag === 'ProviderSyncNotIssued')
      return 'not_issued';
    if (outcome.left._tag === 'CommandRejected')
      return bug(`${operation} refused: ${outcome.left.error._tag}`);
    throw new StoreFailure(outcome.left);
  };

  /** The approval of an invoice, for an issue asked for late (the invoice was approved before the sync began). */
  const approvalOf = async (
    tenantId: string,
    invoiceId: string,
  ): Promise<LoadedEvent<InvoiceEvent> | undefined> => {
    const history = await loadStream(
      deps.store,
      invoiceAggregate.events,
      invoiceStream(tenantId, invoiceId),
    )();
    if (E.isLeft(history)) throw new StoreFailure(history.left);
    return history.right.find((loaded) => loaded.event.type === 'InvoiceApproved');
  };

  const react = async (
    recorded: RecordedEvent,
    loaded: LoadedEvent<InvoiceEvent>,
    connections: ReadonlyArray<ProviderConnection>,
  ): Promise<ReadonlyArray<StreamKey>> => {
    const operation = operationFor(loaded.event);
    if (operation === undefined) return [];
    const { invoiceId } = loaded.event.data;
    const sourceEventId = SourceEventId.is(recorded.eventId) ? recorded.eventId : bug('event id');
    const keys: StreamKey[] = [];
    for (const connection of connections) {
      if (operation !== 'issue' && !connection.adapter.supports.has(operation)) continue;
      // A payment this provider reported itself is not mirrored back to it.
      if (operation === 'recordPayment' && cameFrom(loaded.metadata.actor, connection.provider)) continue;
      const key = { tenantId: connection.tenantId, invoiceId, provider: connection.provider };
      const first = await request(connection, invoiceId, operation, sourceEventId, recorded);
      if (first === 'not_issued') {
        // Approved before the connection existed. Issue it first when there is something to show there (a
        // sending, a payment); voiding or writing off an invoice the provider never had is nothing to do.
        if (operation === 'void' || operation === 'markUncollectible') continue;
        const approval = await approvalOf(connection.tenantId, invoiceId);
        if (approval === undefined || !SourceEventId.is(approval.eventId)) continue;
        await request(connection, invoiceId, 'issue', approval.eventId, recorded);
        if ((await request(connection, invoiceId, operation, sourceEventId, recorded)) === 'not_issued')
          bug(`${operation} still refused after its issue was asked for`);
      }
      keys.push(key);
    }
    return keys;
  };

  /** Folds a sync stream into its row fields. */
  const indexStream = async (key: StreamKey): Promise<Omit<StreamRow, 'invoiceOpen'>> => {
    const history = await loadStream(
      deps.store,
      deps.aggregate.events,
      providerSyncStream(key.tenantId, key.invoiceId, key.provider),
    )();
    if (E.isLeft(history)) throw new StoreFailure(history.left);
    const state = foldLoaded(deps.aggregate.decider, history.right);
    const now = timestampOf(deps.clock.now());
    return {
      ...key,
      externalId: state._tag === 'ProviderSyncState' ? state.externalId : undefined,
      paymentLink: state._tag === 'ProviderSyncState' ? state.paymentLink : undefined,
      dueAt: nextSyncDueAt(state, now),
    };
  };

  const handleBatch = async (after: bigint | undefined): Promise<boolean> => {
    const batch = await deps.store.readAll({
      ...(after === undefined ? {} : { after }),
      maxCount: batchSize,
    })();
    if (E.isLeft(batch)) throw new StoreFailure(batch.left);
    const events = batch.right.events;
    const last = events.at(-1)?.globalPosition;
    if (last === undefined) return false;

    const work = new Map<string, StreamKey>();
    const touched = new Map<string, StreamKey>();
    const closed = new Map<string, StreamKey>();
    for (const recorded of events) {
      const syncStream = parseProviderSyncStream(recorded.streamName);
      if (syncStream !== undefined) {
        const decoded = decodeRecordedEvent<ProviderSyncEvent>(deps.aggregate.events, recorded);
        if (E.isLeft(decoded)) throw new StoreFailure(decoded.left);
        touched.set(streamKeyId(syncStream), syncStream);
        continue;
      }
      if (parseStreamName(recorded.streamName)?.category !== 'invoice') continue;
      const tenantId = recorded.metadata['tenantId'];
      if (typeof tenantId !== 'string') continue;
      const connections = deps.connections.forTenant(tenantId);
      if (connections.length === 0) continue;
      const loaded = decodeRecordedEvent(invoiceAggregate.events, recorded);
      if (E.isLeft(loaded)) throw new StoreFailure(loaded.left);
      const event = loaded.right.event;
      if (closesInvoice(event)) {
        for (const connection of connections) {
          const key = { tenantId, invoiceId: event.data.invoiceId, provider: connection.provider };
          closed.set(streamKeyId(key), key);
        }
      }
      const reacting = origin === null || recorded.globalPosition > origin;
      if (!reacting) continue;
      for (const key of await react(recorded, loaded.right, connections)) {
        work.set(streamKeyId(key), key);
        touched.set(streamKeyId(key), key);
      }
    }

    const rows = await Promise.all([...touched.values()].map(indexStream));
    await deps.tables.commit(async (tx: SyncTablesTransaction) => {
      for (const row of rows) {
        const before = await tx.getStream(row);
        await tx.putStream({ ...row, invoiceOpen: before?.invoiceOpen ?? true });
        if (row.externalId !== undefined) await tx.putLink(row.provider, row.externalId, row);
      }
      for (const key of closed.values()) {
        const before = await tx.getStream(key);
        await tx.putStream({
          ...(before ?? { ...key, externalId: undefined, paymentLink: undefined, dueAt: undefined }),
          invoiceOpen: false,
        });
      }
    }, last);
    if (work.size > 0) deps.onWork([...work.values()]);
    return events.length === batchSize;
  };

  const catchUp = (): Promise<void> =>
    serialised(async () => {
      while (await handleBatch(await deps.tables.checkpoint())) {
        // full batches: there may be more
      }
    });

  const pause = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      const cancel = deps.clock.setTimer(ms, resolve);
      signal.addEventListener('abort', () => {
        cancel();
        resolve();
      });
    });

  return {
    initialise: async () => {
      const recorded = await deps.tables.origin();
      if (recorded !== undefined) {
        origin = recorded;
        return;
      }
      const head = await logHead();
      origin = head ?? null;
      await deps.tables.saveOrigin(origin);
    },
    catchUp,
    start: () => {
      if (loop !== undefined) return;
      const abort = new AbortController();
      controller = abort;
      // A function, not the property: the compiler would narrow the property after the loop's check.
      const stopped = (): boolean => abort.signal.aborted;
      loop = (async () => {
        while (!stopped()) {
          try {
            await catchUp();
            const checkpoint = await deps.tables.checkpoint();
            const iterator = deps.store
              .follow({ ...(checkpoint === undefined ? {} : { after: checkpoint }), signal: abort.signal })
              [Symbol.asyncIterator]();
            await iterator.next();
            await iterator.return?.();
          } catch (error) {
            if (stopped()) break;
            deps.log.error(
              { err: describeFailure(error) },
              'provider sync: reading the log failed; retrying',
            );
            await pause(deps.retryDelayMs ?? 1000, abort.signal);
          }
        }
      })();
    },
    stop: async () => {
      controller?.abort();
      await loop;
      loop = undefined;
      await exclusive;
    },
  };
};
