import * as E from 'fp-ts/lib/Either.js';

import type { EventStore } from '@accrue/domain';
import { parseStreamName } from '@accrue/domain';
import type { ProjectionRunner } from '@accrue/projections';

/** One invoice event the read models have applied, as the `invoiceChanged` subscription delivers it. */
export interface InvoiceChanged {
  readonly tenantId: string;
  readonly invoiceId: string;
  readonly type: string;
  readonly version: number;
  readonly position: string;
}

export interface InvoiceChangeFeed {
  /** Starts following (once); until then the feed costs nothing. */
  readonly start: () => void;
  readonly stop: () => Promise<void>;
}

export interface InvoiceChangeFeedOptions {
  readonly store: Pick<EventStore, 'readAll'>;
  readonly runner: Pick<ProjectionRunner, 'position' | 'waitFor'>;
  readonly publish: (change: InvoiceChanged) => void;
  readonly onError: (error: unknown) => void;
  /** How long one wait for the runner lasts before checking for a stop (default 1 s). */
  readonly idleMs?: number;
}

const BATCH = 500;

/**
 * Publishes the invoice events the projection runner has applied, in log order, from the position the read
 * models had reached when the feed started. It trails the runner (waits for `runner.waitFor` to move, then reads
 * the log up to the runner's position), so a subscriber that queries on a notification sees the change.
 * Without a hook in the runner, this costs one extra read of the new events per batch the runner applies.
 */
export const createInvoiceChangeFeed = (options: InvoiceChangeFeedOptions): InvoiceChangeFeed => {
  const idleMs = options.idleMs ?? 1000;
  let loop: Promise<void> | undefined;
  const stop = new AbortController();
  let wake: (() => void) | undefined;
  const stopping = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const pause = (ms: number): Promise<void> =>
    Promise.race([stopping, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);

  const publishUpTo = async (after: bigint | undefined, head: bigint): Promise<bigint | undefined> => {
    let cursor = after;
    for (;;) {
      const batch = await options.store.readAll({
        ...(cursor === undefined ? {} : { after: cursor }),
        maxCount: BATCH,
      })();
      if (E.isLeft(batch)) throw new Error(`${batch.left._tag}: reading the log for invoiceChanged`);
      for (const event of batch.right.events) {
        if (event.globalPosition > head) return cursor;
        cursor = event.globalPosition;
        const stream = parseStreamName(event.streamName);
        const [tenantId, invoiceId] = stream?.parts ?? [];
        if (stream?.category !== 'invoice' || tenantId === undefined || invoiceId === undefined) continue;
        options.publish({
          tenantId,
          invoiceId,
          type: event.type,
          version: event.streamVersion,
          position: event.globalPosition.toString(),
        });
      }
      if (batch.right.events.length < BATCH) return cursor;
    }
  };

  const follow = async (): Promise<void> => {
    let after = options.runner.position();
    while (!stop.signal.aborted) {
      const next = after === undefined ? 0n : after + 1n;
      const moved = await Promise.race([options.runner.waitFor(next, idleMs), stopping.then(() => false)]);
      // A stop resolves the race with false: the loop condition then ends it.
      if (!moved) continue;
      const head = options.runner.position();
      if (head === undefined) continue;
      try {
        after = (await publishUpTo(after, head)) ?? after;
      } catch (error) {
        options.onError(error);
        await pause(idleMs);
      }
    }
  };

  return {
    start: () => {
      loop ??= follow();
    },
    stop: async () => {
      stop.abort();
      wake?.();
      await loop;
    },
  };
};
