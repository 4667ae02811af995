import * as E from 'fp-ts/lib/Either.js';

import type { EventStore } from '@accrue/domain';
import { StoreFailure } from '@accrue/domain';

import type { Projection } from '../model/projection.js';
import type { ProjectedEvent } from '../model/projectedEvent.js';
import { toProjectedEvent } from '../model/projectedEvent.js';
import type { ReadModelStore } from '../model/readModelStore.js';
import { applyBufferedBatch } from './applyBatch.js';
import { createBufferedTransaction } from './bufferedTransaction.js';

export interface RebuildProgress {
  /** The projection rebuilt (names joined with `,` when several are rebuilt in one pass). */
  readonly projection: string;
  /** Events of the log applied so far (committed). */
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
  /**
   * Events per batch (default 1,000): the rows a batch touches are written once, at its end. The log is read in
   * slices of at most 256 events, so that each slice's decoded events are garbage soon after.
   */
  readonly batchSize?: number;
  /**
   * Most events per read-model transaction in `catchUp` (default 8 × `batchSize`): a runner far behind the log
   * (a first start on an empty read-model store, which is a rebuild of everything) keeps reading full batches
   * into one transaction, writing each batch's rows as it goes, and commits with the checkpoints once, so it
   * pays for far fewer commits. A partial batch (the live case) commits at once. `rebuild` does the same, and
   * reports progress after each commit.
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
  /**
   * Fills a new generation of a projection from position 0 beside the live one, then switches over. Several
   * projections named together are filled in one pass over the log and switched over one after the other.
   */
  rebuild(
    name: string | ReadonlyArray<string>,
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<RebuildProgress>;
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
  // A slice's events, parsed and decoded, live until every projection has seen them: small slices keep them in
  // V8's young generation (a scavenge is cheap when little survives it); rows still gather over the whole batch.
  const sliceSize = Math.min(batchSize, 256);
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

  interface Slice {
    readonly decoded: ReadonlyArray<ProjectedEvent>;
    /** The position of the slice's last event (undefined for an empty slice: the end of the log). */
    readonly last: bigint | undefined;
    readonly count: number;
  }

  const readSlice = async (after: bigint | undefined): Promise<Slice> => {
    const batch = await options.events.readAll({
      ...(after === undefined ? {} : { after }),
      maxCount: sliceSize,
    })();
    if (E.isLeft(batch)) throw new StoreFailure(batch.left);
    const recorded = batch.right.events;
    const decoded: ProjectedEvent[] = [];
    for (const event of recorded) {
      const projected = toProjectedEvent(event);
      if (E.isLeft(projected)) throw new StoreFailure(projected.left);
      if (projected.right !== undefined) decoded.push(projected.right);
    }
    return { decoded, last: recorded.at(-1)?.globalPosition, count: recorded.length };
  };

  /** A generation being filled: live (`LiveProjection`) or a rebuild's new one. */
  interface Target {
    readonly projection: Projection;
    readonly generation: number;
    position: bigint | undefined;
  }

  const lowestOf = (targets: ReadonlyArray<Target>): bigint | undefined => {
    let result: bigint | undefined;
    for (const [i, target] of targets.entries()) {
      if (target.position === undefined) return undefined;
      if (i === 0 || result === undefined || target.position < result) result = target.position;
    }
    return result;
  };

  /**
   * One read-model transaction: slices of the log from the lowest target position, up to `transactionEvents`,
   * each applied to every target that has not seen it, the rows written out after every `batchSize` events (so
   * memory holds one batch's rows, whatever the size of the log), then the checkpoints, then the commit. `first`
   * is a slice already read from there. Returns the events read, and whether the last slice was full (there may
   * be more to read).
   */
  const applyTransaction = async (
    targets: ReadonlyArray<Target>,
    relaxedDurability: boolean,
    first?: Slice,
  ): Promise<{ readonly read: number; readonly more: boolean }> => {
    let slice = first ?? (await readSlice(lowestOf(targets)));
    let last = slice.last;
    if (last === undefined) return { read: 0, more: false };
    let more = slice.count === sliceSize;
    let read = 0;
    await options.readModels.transaction(
      async (tx) => {
        const buffered = createBufferedTransaction(tx);
        let unflushed = 0;
        for (;;) {
          for (const target of targets)
            await applyBufferedBatch(
              buffered,
              target.projection,
              target.generation,
              slice.decoded,
              target.position,
            );
          read += slice.count;
          unflushed += slice.count;
          if (unflushed >= batchSize) {
            await buffered.flush();
            unflushed = 0;
          }
          if (!more || read + sliceSize > transactionEvents) break;
          const next = await readSlice(last);
          if (next.last === undefined) {
            more = false;
            break;
          }
          slice = next;
          last = next.last;
          more = next.count === sliceSize;
        }
        await buffered.flush();
        for (const target of targets) {
          if (target.position === undefined || target.position < (last as bigint)) {
            await tx.setCheckpoint(target.projection, target.generation, last as bigint);
          }
        }
      },
      relaxedDurability ? { relaxedDurability } : undefined,
    );
    for (const target of targets)
      if (target.position === undefined || target.position < last) target.position = last;
    return { read, more };
  };

  /**
   * Applies the whole log to `targets` from their checkpoints, transaction after transaction. Targets that have
   * applied nothing yet (`position` undefined: empty tables that nobody has read) are bulk-loaded when the log
   * holds more than one slice: their secondary indexes are built once at the end instead of row by row, and while
   * every target is such a one, commits need not wait for the disk (see `TransactionOptions`).
   */
  const fill = async (
    targets: ReadonlyArray<Target>,
    afterCommit?: (events: number) => void,
  ): Promise<void> => {
    const fresh = targets.filter((target) => target.position === undefined);
    const first = await readSlice(lowestOf(targets));
    const bulk = fresh.length > 0 && first.count === sliceSize ? fresh : [];
    const relaxed = bulk.length > 0 && bulk.length === targets.length;
    for (const target of bulk) await options.readModels.startBulkLoad?.(target.projection, target.generation);
    let done = await applyTransaction(targets, relaxed, first);
    afterCommit?.(done.read);
    while (done.more) {
      done = await applyTransaction(targets, relaxed);
      afterCommit?.(done.read);
    }
    for (const target of bulk)
      await options.readModels.finishBulkLoad?.(target.projection, target.generation);
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
      await fill([...live.values()], () => {
        notify();
      });
      return lowest();
    });

  const rebuild = async (
    names: string | ReadonlyArray<string>,
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<RebuildProgress> => {
    const entries = (typeof names === 'string' ? [names] : names).map((name) => {
      const entry = live.get(name);
      if (entry === undefined) throw new Error(`unknown projection ${name}`);
      return entry;
    });
    const label = entries.map((entry) => entry.projection.name).join(',');
    const targets: Target[] = [];
    for (const entry of entries) {
      const generation = entry.generation + 1;
      await options.readModels.prepare(entry.projection, generation);
      targets.push({
        projection: entry.projection,
        generation,
        position: await options.readModels.checkpoint(entry.projection.name, generation),
      });
    }
    const head = await logHead();
    const started = now();
    const from = lowestOf(targets) ?? 0n;
    let events = 0;
    const progress = (): RebuildProgress => {
      const seconds = (now() - started) / 1000;
      const reached = lowestOf(targets) ?? 0n;
      const left = head > reached ? Number(head - reached) : 0;
      // Positions need not be contiguous (EventStoreDB), so the ETA comes from the rate of positions covered.
      const positionRate = seconds > 0 && reached > from ? Number(reached - from) / seconds : 0;
      return {
        projection: label,
        events,
        position: reached,
        head,
        eventsPerSecond: seconds > 0 ? events / seconds : 0,
        etaSeconds: positionRate > 0 ? left / positionRate : undefined,
      };
    };
    const report = (read: number): void => {
      events += read;
      onProgress?.(progress());
    };
    // Most of the work happens beside the live generations, which keep serving and following.
    await fill(targets, report);
    // Then, exclusively: catch up the last events and switch readers over.
    return serialised(async () => {
      await fill(targets, report);
      for (const [i, target] of targets.entries()) {
        await options.readModels.activate(target.projection, target.generation);
        const entry = entries[i] as LiveProjection;
        entry.generation = target.generation;
        entry.position = await options.readModels.checkpoint(target.projection.name, target.generation);
      }
      notify();
      return progress();
    });
  };

  /** The position of the first event after `after`, reading one event (undefined at the end of the log). */
  const nextPosition = async (after: bigint | undefined): Promise<bigint | undefined> => {
    const batch = await options.events.readAll({ ...(after === undefined ? {} : { after }), maxCount: 1 })();
    if (E.isLeft(batch)) throw new StoreFailure(batch.left);
    return batch.right.events[0]?.globalPosition;
  };

  /**
   * The last position of the log when the rebuild starts, for progress and ETA only. Found by probing one event at
   * a time (galloping, then bisecting between a position that exists and one past the end), not by reading the
   * whole log: positions grow but need not be contiguous (EventStoreDB), so the probes never assume a step.
   */
  const logHead = async (): Promise<bigint> => {
    let lo = await nextPosition(undefined);
    if (lo === undefined) return 0n;
    // lo is an event's position; find hi with no event after it.
    let step = lo > 0n ? lo : 1n;
    let hi: bigint;
    for (;;) {
      const found = await nextPosition(lo + step);
      if (found === undefined) {
        hi = lo + step;
        break;
      }
      lo = found;
      step *= 2n;
    }
    // Invariant: an event sits at lo, none after hi.
    while (lo < hi) {
      const mid = lo + (hi - lo + 1n) / 2n;
      const found = await nextPosition(mid - 1n);
      if (found === undefined) hi = mid - 1n;
      else lo = found;
    }
    return lo;
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
