import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import type { EventStore, ReadError, RecordedEvent } from '../eventStore/port.js';
import type { ChainBreak } from '../commandHandling/hashChain.js';
import { eventHash } from '../commandHandling/hashChain.js';

export interface VerifiedLog {
  readonly events: number;
  readonly streams: number;
}

export interface LogChainBreak extends ChainBreak {
  readonly globalPosition: bigint;
}

/** Checks one event against the chain state of its stream; returns the break, if any. */
export const checkChainLink = (
  event: Pick<RecordedEvent, 'streamName' | 'streamVersion' | 'eventId' | 'type' | 'data' | 'metadata'>,
  previous: { readonly version: number; readonly hash: string | null },
): ChainBreak['reason'] | undefined => {
  if (event.streamVersion !== previous.version + 1) return 'version_gap';
  const { hash, ...withoutHash } = event.metadata;
  if (typeof hash !== 'string') return 'missing_hash';
  if ((withoutHash['prevHash'] ?? null) !== previous.hash) return 'prev_hash_mismatch';
  if (eventHash({ ...event, metadata: withoutHash }) !== hash) return 'hash_mismatch';
  return undefined;
};

/**
 * `accrue verify`: walks the whole log in global order and checks every stream's hash chain, keeping only the
 * last hash of each stream in memory. Returns the first event that does not match, or the counts.
 */
export const verifyLog =
  (
    store: EventStore,
    options: { readonly batchSize?: number } = {},
  ): TE.TaskEither<ReadError, E.Either<LogChainBreak, VerifiedLog>> =>
  async () => {
    const batchSize = options.batchSize ?? 1000;
    const chains = new Map<string, { version: number; hash: string | null }>();
    let events = 0;
    let after: bigint | undefined;
    for (;;) {
      const batch = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: batchSize })();
      if (E.isLeft(batch)) return batch;
      for (const event of batch.right.events) {
        const previous = chains.get(event.streamName) ?? { version: 0, hash: null };
        const reason = checkChainLink(event, previous);
        if (reason !== undefined) {
          return E.right(
            E.left({
              _tag: 'ChainBreak',
              streamName: event.streamName,
              streamVersion: event.streamVersion,
              eventId: event.eventId,
              globalPosition: event.globalPosition,
              reason,
            }),
          );
        }
        const hash = event.metadata['hash'];
        chains.set(event.streamName, {
          version: event.streamVersion,
          hash: typeof hash === 'string' ? hash : null,
        });
        events += 1;
      }
      if (batch.right.events.length < batchSize) return E.right(E.right({ events, streams: chains.size }));
      after = batch.right.lastPosition;
    }
  };
