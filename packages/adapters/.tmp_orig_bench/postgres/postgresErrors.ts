import { DatabaseError } from 'pg';

/**
 * How a failed statement should be reported. `constraint` is a unique violation: another writer got the stream
 * version or the event id first, which the port reports as a `VersionConflict`. `request` is an error caused by
 * one request's data (a constraint or data exception), so a batch that hit it is retried request by request
 * rather than failing every request in it. Everything else (connection lost, server shutting down, …) is
 * `unavailable`.
 */
export type FailureKind = 'constraint' | 'request' | 'unavailable';

export const classifyFailure = (cause: unknown): FailureKind => {
  if (!(cause instanceof DatabaseError)) return 'unavailable';
  if (cause.code === '23505') return 'constraint';
  // Class 22 (data exception, e.g. a NUL byte in a name) and class 23 (integrity constraint violation).
  if (cause.code?.startsWith('22') === true || cause.code?.startsWith('23') === true) return 'request';
  return 'unavailable';
};
