import type { ClientConfig } from 'pg';
import { Client } from 'pg';

import { CommitSignal } from '../shared/commitSignal.js';
import { commitChannel } from './appendWithin.js';
import type { SchemaName } from './schemaName.js';

/**
 * A `CommitSignal` that remembers a wake-up nobody was waiting for. A follower reads, then waits; a commit
 * notified in between would otherwise be noticed only at the next poll. The latch makes the next `wait`
 * return at once instead, costing at most one extra read. One per follower, since each has its own gap.
 */
export class LatchedCommitSignal extends CommitSignal {
  private pending = false;

  override notify(): void {
    this.pending = true;
    super.notify();
  }

  override async wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (!this.pending) await super.wait(timeoutMs, signal);
    // Whatever was notified up to here committed before the follower's next read starts, so that read sees it.
    this.pending = false;
  }
}

export interface CommitListener {
  /** Starts listening if not already (again after a lost connection). Never rejects: polling covers failures. */
  ensure(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One dedicated connection per store that `LISTEN`s for commits to its schema, from any process, and calls
 * `onCommit`. It is only a wake-up: followers still poll, so a lost connection slows them down but loses
 * nothing. It is opened by the first follower, not at start, so a store that never follows holds no extra
 * connection.
 */
export const createCommitListener = (deps: {
  readonly connection: ClientConfig;
  readonly schema: SchemaName;
  readonly onCommit: () => void;
  readonly onError: (error: unknown) => void;
}): CommitListener => {
  let current: Promise<Client | undefined> | undefined;
  let closed = false;

  const connect = (): Promise<Client | undefined> => {
    const client = new Client(deps.connection);
    // Only this attempt's own failure may clear `current`: a late 'end' from an old client must not drop a newer one.
    const forget = (): void => {
      if (current === attempt) current = undefined;
    };
    client.on('error', (error) => {
      deps.onError(error);
      forget();
    });
    client.on('end', forget);
    client.on('notification', (message) => {
      if (message.channel === commitChannel && message.payload === deps.schema) deps.onCommit();
    });
    const attempt = (async (): Promise<Client | undefined> => {
      try {
        await client.connect();
        await client.query(`LISTEN ${commitChannel}`);
        return client;
      } catch (error) {
        deps.onError(error);
        forget();
        await client.end().catch(() => undefined);
        return undefined;
      }
    })();
    return attempt;
  };

  return {
    ensure: async () => {
      if (closed) return;
      current ??= connect();
      await current;
    },
    close: async () => {
      closed = true;
      const client = await current;
      current = undefined;
      await client?.end().catch(() => undefined);
    },
  };
};
