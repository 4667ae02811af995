import * as E from 'fp-ts/lib/Either.js';

import type { EventStore, RecordedEvent } from '@accrue/domain';
import { StoreFailure } from '@accrue/domain';

import type { Projection } from '../model/projection.js';
import type { ProjectedEvent } from '../model/projectedEvent.js';
import { toProjectedEvent } from '../model/projectedEvent.js';
import type { ReadModelStore } from '../model/readModelStore.js';
import { applyBufferedBatch } from './applyBatch.js';
import { createBufferedTransaction } from './bufferedTransaction.js';

export interface RebuildProgress {
  readonly projection: string;
  /** Events read from the log so far. */
  readonly events: number;
  /** The global position reached, and the log's head when the rebuild started. */
  readonly position: bigint;
  readonly head: bigint;
  readonly eventsPerSecond: number;
  /** Estimated seconds left, from the position still to cover at the current rate (undefined at first). */
  readonly etaSeconds: number | undefined;
}

export interface ProjectionRunnerOptions {
  readonly events: EventStore;
  readonly readModels: ReadModelStore;
  /** Called when the live loop fails (store unavailable…); it retries after `retryDelayMs` (default 1 s). */
  readonly onError?: (error: unknown) => void;
  readonly retryDelayMs?: number;
  readonly projections: ReadonlyArray<Projection>;
  /** Events per read of the log (default 1,000). */
  readonly batchSize?: number;
  /**
   * Most events per read-model transaction in `catchUp` (default 8 × `batchSize`): a runner far behind the log
   * (a first start on an empty read-model store, which is a rebuild of everything) keeps reading full batches
   * into one transaction, writing each batch's rows as it goes, and commits with the checkpoints once, so it
   * pays for far fewer commits. A partial batch (the live case) commits at once. `rebuild` commits every batch,
   * as its progress reports committed positions.
   */
  readonly transactionEvents?: number;
  /** Microseconds of wall time, for progress rates (default `performance.now`). */
  readonly now?: () => number;
}

export interface ProjectionRunner {
  /** Creates missing tables, and rebuilds any projection whose version changed. */
  initialise(): Promise<void>;
  /** Applies everything committed so far, then returns the position reached. */
  catchUp(): Promise<bigint | undefined>;
  /** Follows the log in the background until `stop`. */
  start(): void;
  stop(): Promise<void>;
  /** The position every live projection has applied (the lowest checkpoint). */
  position(): bigint | undefined;
  /** Resolves true once every live projection has applied `position`, false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean>;
  /** Fills a new generation of one projection from position 0 beside the live one, then switches over. */
  rebuild(name: string, onProgress?: (progress: RebuildProgress) => void): Promise<RebuildProgress>;
}

interface LiveProjection {
  readonly projection: Projection;
  generation: number;
  position: bigint | undefined;
}

/**
 * The checkpointed projection runner: reads the global log from the lowest live checkpoint in batches, decodes
 * each event once, and applies each batch to every projection that has not seen it, in one read-model
 * transaction that also moves the checkpoints. A crash between batches loses nothing and applies nothing twice.
 */
export const createProjectionRunner = (options: ProjectionRunnerOptions): ProjectionRunner => {
  const batchSize = options.batchSize ?? 1000;
  const transactionEvents = Math.max(batchSize, options.transactionEvents ?? batchSize * 8);
  const now = options.now ?? (() => performance.now());
  const live = new Map<string, LiveProjection>();
  const waiters = new Set<() => void>();
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  // One batch at a time: catch-up, the live loop and a rebuild's switch-over never interleave.
  let exclusive: Promise<unknown> = Promise.resolve();
  const serialised = <A>(work: () => Promise<A>): Promise<A> => {
    const result = exclusive.then(work, work);
    exclusive = result.catch(() => undefined);
    return result;
  };

  const lowest = (): bigint | undefined => {
    let result: bigint | undefined;
    let first = true;
    for (const entry of live.values()) {
      if (first) {
        result = entry.position;
        first = false;
      } else if (entry.position === undefined || (result !== undefined && entry.position < result)) {
        result = entry.position;
      }
    }
    return result;
  };

  const notify = (): void => {
    for (const wake of [...waiters]) wake();
  };

  const readBatch = async (
    after: bigint | undefined,
  ): Promise<{ recorded: RecordedEvent[]; decoded: ProjectedEvent[] }> => {
    const batch = await options.events.readAll({
      ...(after === undefined ? {} : { after }),
      maxCount: batchSize,
    })();
    if (E.isLeft(batch)) throw new StoreFailure(batch.left);
    const decoded: ProjectedEvent[] = [];
    for (const recorded of batch.right.events) {
      const projected = toProjectedEvent(recorded);
      if (E.isLeft(projected)) throw new StoreFailure(projected.left);
      if (projected.right !== undefined) decoded.push(projected.right);
    }
    return { recorded: [...batch.right.events], decoded };
  };

  /**
   * One read-model transaction: full batches of the log, up to `transactionEvents`, each applied to every live
   * projection that has not seen it and written out, then the checkpoints, then the commit. Returns whether the
   * last read was a full batch (there may be more to read).
   */
  const catchUpOnce = async (): Promise<boolean> => {
    let batch = await readBatch(lowest());
    let last = batch.recorded.at(-1)?.globalPosition;
    if (last === undefined) return false;
    let more = batch.recorded.length === batchSize;
    await options.readModels.transaction(async (tx) => {
      const buffered = createBufferedTransaction(tx);
      let read = 0;
      for (;;) {
        for (const entry of live.values())
          await applyBufferedBatch(
            buffered,
            entry.projection,
            entry.generation,
            batch.decoded,
            entry.position,
          );
        await buffered.flush();
        read += batch.recorded.length;
        if (!more || read + batchSize > transactionEvents) break;
        const next = await readBatch(last);
        const end = next.recorded.at(-1)?.globalPosition;
        if (end === undefined) {
          more = false;
          break;
        }
        batch = next;
        last = end;
        more = next.recorded.length === batchSize;
      }
      for (const entry of live.values()) {
        if (entry.position === undefined || entry.position < (last as bigint)) {
          await tx.setCheckpoint(entry.projection, entry.generation, last as bigint);
        }
      }
    });
    for (const entry of live.values())
      if (entry.position === undefined || entry.position < last) entry.position = last;
    notify();
    return more;
  };

  /**
   * Adopts generations switched by someone else: `accrue rebuild` in another process activates a new generation
   * and drops the old tables, so this runner must continue on the new ones, from their checkpoint.
   */
  const resync = async (): Promise<void> => {
    const statuses = await options.readModels.statuses();
    for (const entry of live.values()) {
      const status = statuses.find((candidate) => candidate.name === entry.projection.name);
      if (status === undefined || status.generation === entry.generation) continue;
      await options.readModels.prepare(entry.projection, status.generation);
      entry.generation = status.generation;
      entry.position = status.position;
    }
  };

  const catchUp = (): Promise<bigint | undefined> =>
    serialised(async () => {
      await resync();
      while (await catchUpOnce()) {
        // keep reading full batches
      }
      return lowest();
    });

  const fillGeneration = async (
    projection: Projection,
    generation: number,
    head: bigint,
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<RebuildProgress> => {
    let position = await options.readModels.checkpoint(projection.name, generation);
    let events = 0;
    const started = now();
    const progress = (): RebuildProgress => {
      const seconds = (now() - started) / 1000;
      const rate = seconds > 0 ? events / seconds : 0;
      const reached = position ?? 0n;
      const left = head > reached ? Number(head - reached) : 0;
      const positionRate = seconds > 0 && reached > 0n ? Number(reached) / seconds : 0;
      return {
        projection: projection.name,
        events,
        position: reached,
        head,
        eventsPerSecond: rate,
        etaSeconds: positionRate > 0 ? left / positionRate : undefined,
      };
    };
    // One transaction per batch here, so progress reports only what is committed.
    for (;;) {
      const { recorded, decoded } = await readBatch(position);
      const last = recorded.at(-1)?.globalPosition;
      if (last === undefined) break;
      const from = position;
      await options.readModels.transaction(async (tx) => {
        const buffered = createBufferedTransaction(tx);
        await applyBufferedBatch(buffered, projection, generation, decoded, from);
        await buffered.flush();
        await tx.setCheckpoint(projection, generation, last);
      });
      position = last;
      events += recorded.length;
      onProgress?.(progress());
      if (recorded.length < batchSize) break;
    }
    return progress();
  };

  const rebuild = async (
    name: string,
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<RebuildProgress> => {
    const entry = live.get(name);
    if (entry === undefined) throw new Error(`unknown projection ${name}`);
    const generation = entry.generation + 1;
    await options.readModels.prepare(entry.projection, generation);
    const head = await logHead();
    // Most of the work happens beside the live generation, which keeps serving and following.
    await fillGeneration(entry.projection, generation, head, onProgress);
    // Then, exclusively: catch up the last events and switch readers over in one step.
    return serialised(async () => {
      const final = await fillGeneration(entry.projection, generation, head, onProgress);
      await options.readModels.activate(entry.projection, generation);
      entry.generation = generation;
      entry.position = await options.readModels.checkpoint(name, generation);
      notify();
      return final;
    });
  };

  const logHead = async (): Promise<bigint> => {
    // The head is only for progress and ETA: the last position of the log when the rebuild starts.
    let after: bigint | undefined;
    let head = 0n;
    for (;;) {
      const batch = await options.events.readAll({
        ...(after === undefined ? {} : { after }),
        maxCount: 10_000,
      })();
      if (E.isLeft(batch)) throw new StoreFailure(batch.left);
      head = batch.right.lastPosition ?? head;
      if (batch.right.events.length < 10_000) return head;
      after = batch.right.lastPosition;
    }
  };

  return {
    initialise: async () => {
      const statuses = await options.readModels.statuses();
      for (const projection of options.projections) {
        const status = statuses.find((s) => s.name === projection.name);
        if (status === undefined) {
          await options.readModels.prepare(projection, 1);
          await options.readModels.activate(projection, 1);
          live.set(projection.name, { projection, generation: 1, position: undefined });
          continue;
        }
        await options.readModels.prepare(projection, status.generation);
        live.set(projection.name, { projection, generation: status.generation, position: status.position });
        if (status.version !== projection.version) await rebuild(projection.name);
      }
    },
    catchUp,
    start: () => {
      if (loop !== undefined) return;
      const abort = new AbortController();
      controller = abort;
      loop = (async () => {
        while (!abort.signal.aborted) {
          await catchUp();
          // Wait for the next commit after what we have applied, then catch up in batches again.
          const iterator = options.events
            .follow({ ...lowestDefined(), signal: abort.signal })
            [Symbol.asyncIterator]();
          await iterator.next();
          await iterator.return?.();
        }
      })();
    },
    stop: async () => {
      controller?.abort();
      await loop?.catch(() => undefined);
      loop = undefined;
      await exclusive;
    },
    position: lowest,
    waitFor: (position, timeoutMs) =>
      new Promise((resolve) => {
        const reached = (): boolean => {
          const current = lowest();
          return current !== undefined && current >= position;
        };
        if (reached()) {
          resolve(true);
          return;
        }
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve(false);
        }, timeoutMs);
        const check = (): void => {
          if (!reached()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(true);
        };
        waiters.add(check);
      }),
    rebuild,
  };

  function lowestDefined(): { after?: bigint } {
    const position = lowest();
    return position === undefined ? {} : { after: position };
  }
};
