import * as E from 'fp-ts/lib/Either.js';

import type { FollowOptions, ReadAllBatch, ReadAllOptions, ReadError, RecordedEvent } from '@accrue/domain';
import { StoreFailure } from '@accrue/domain';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import type { CommitSignal } from './commitSignal.js';

/**
 * Live follow built on `readAll`: catch up in batches, then wait for a commit signal (or a poll interval,
 * for commits made by other processes) and read again. Events come strictly in global order, each once.
 */
export async function* followByReading(
  readAll: (options: ReadAllOptions) => TE.TaskEither<ReadError, ReadAllBatch>,
  commits: CommitSignal | undefined,
  options: FollowOptions & { readonly pollIntervalMs?: number },
): AsyncGenerator<RecordedEvent, void, undefined> {
  let after = options.after;
  const batchSize = options.batchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const aborted = (): boolean => options.signal?.aborted === true;
  while (!aborted()) {
    const batch = await readAll({ ...(after === undefined ? {} : { after }), maxCount: batchSize })();
    if (E.isLeft(batch)) throw new StoreFailure(batch.left);
    for (const event of batch.right.events) {
      if (aborted()) return;
      yield event;
      after = event.globalPosition;
    }
    if (batch.right.events.length < batchSize) {
      if (commits === undefined) await sleep(pollIntervalMs, options.signal);
      else await commits.wait(pollIntervalMs, options.signal);
    }
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
