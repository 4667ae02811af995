/**
 * `@accrue/api/embed`: Accrue as a library, for ERP backends and other embedders.
 *
 * - `createAccrue({ store, clock?, ids?, rounding?, tenantId?, actor? })` opens Accrue and returns its
 *   operations as promises (rejecting with `AccrueError`) and, under `fp`, as fp-ts TaskEithers with tagged
 *   errors. Both run the same code.
 * - On PostgreSQL, `withinTransaction(client)` runs commands inside the embedder's own transaction.
 * - `subscribe(handler, { name, from })` delivers committed events in order, at least once, with a durable
 *   checkpoint, for in-process reactions.
 *
 * This entry loads no dependency-injection container and no store driver until a store is opened.
 */
export type { Clock, IdGenerator } from '../composition/clock.js';
export type {
  Accrue,
  AccrueFp,
  AccrueOperationsFp,
  AccrueOptions,
  AccrueTransaction,
  AccrueTransactionFp,
  PostgresAccrue,
} from './createAccrue.js';
export { createAccrue, createAccrueFp } from './createAccrue.js';
export type {
  AccrueFailure,
  ApproveError,
  GetInvoiceError,
  HistoryError,
  InputIssue,
  InvalidInput,
  InvoiceCommandError,
  IssueCreditNoteError,
  ListInvoicesFailure,
  QueryError,
  StoreError,
  SubscriptionFailure,
} from './errors.js';
export { AccrueError, describeFailure, isAccrueError } from './errors.js';
export type {
  CommandOptions,
  CreateDraftInput,
  IssueCreditNoteInput,
  ReadOptions,
  ReasonInput,
  RecordPaymentInput,
  ReviseDraftInput,
  SendInput,
} from './input.js';
export type {
  AsOfPoint,
  CreditNoteResult,
  InvoiceAsOf,
  InvoiceCommandResult,
  InvoiceHistoryEntry,
  InvoiceOperationsFp,
} from './operations.js';
export type { PromiseApi } from './promiseApi.js';
export type {
  ListInvoicesInput,
  MonthRange,
  Period,
  ReadModelOperationsFp,
  RegisterFilter,
} from './queries.js';
export type { AccrueStore, MemoryStore, PostgresStore, SqliteStore } from './stores.js';
export { memoryStore, postgresStore, sqliteStore } from './stores.js';
export type {
  AccrueEvent,
  EventHandler,
  EventHandlerFp,
  SubscribeOptions,
  Subscription,
  SubscriptionFp,
} from './subscribe.js';
