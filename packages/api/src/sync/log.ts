/**
 * What the sync logs through: pino's `(details, message)` shape, so the server passes its own logger. Details
 * never hold a secret: provider messages are the adapters' safe ones, redacted again per connection.
 */
export interface SyncLog {
  readonly info: (details: Record<string, unknown>, message: string) => void;
  readonly warn: (details: Record<string, unknown>, message: string) => void;
  readonly error: (details: Record<string, unknown>, message: string) => void;
}

export const silentSyncLog: SyncLog = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A short description of an unexpected failure: its name and message, never its stack or cause chain. */
export const describeFailure = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
