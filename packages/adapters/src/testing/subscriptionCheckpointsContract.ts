import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import type { SubscriptionCheckpoints } from '@accrue/projections';

/** What the contract needs: a fresh, empty checkpoint store, and for durable ones a way to open it again. */
export interface OpenedCheckpoints {
  readonly checkpoints: SubscriptionCheckpoints;
  /** Opens a second instance on the same database (durable stores): a restart. */
  readonly reopen?: () => Promise<SubscriptionCheckpoints>;
  /** Drops what the test created (after the checkpoints were closed). */
  readonly cleanup?: () => Promise<void>;
  /**
   * False when the implementation uses a connection it was given and does not close (SQLite shares the event
   * store's): then it may keep working after `close`, and the closed-store test only checks it never rejects.
   */
  readonly ownsConnection: boolean;
}

/**
 * The contract every `SubscriptionCheckpoints` implementation runs: unknown names, saving and replacing,
 * independence of names, exact 64-bit positions, durability across a reopen, and tagged failures (never a
 * rejection) once closed.
 */
export const subscriptionCheckpointsContract = (
  name: string,
  open: () => Promise<OpenedCheckpoints>,
): void => {
  describe(`SubscriptionCheckpoints contract: ${name}`, () => {
    const ok = async <A>(task: () => Promise<E.Either<unknown, A>>): Promise<A> => {
      const result = await task();
      if (E.isLeft(result))
        throw new Error(`expected success, got ${String((result.left as { _tag?: string })._tag)}`);
      return result.right;
    };
    const withStore = async (test: (opened: OpenedCheckpoints) => Promise<void>): Promise<void> => {
      const opened = await open();
      try {
        await test(opened);
      } finally {
        await opened.checkpoints.close();
        await opened.cleanup?.();
      }
    };

    it('has no position for a name never saved', () =>
      withStore(async ({ checkpoints }) => {
        expect(await ok(checkpoints.load('never-saved'))).toBeUndefined();
      }));

    it('saves and replaces positions per name, independently, exactly as 64-bit integers', () =>
      withStore(async ({ checkpoints }) => {
        await ok(checkpoints.save('orders', 7n));
        await ok(checkpoints.save('mailer', 3n));
        expect(await ok(checkpoints.load('orders'))).toBe(7n);
        await ok(checkpoints.save('orders', 9_007_199_254_740_993n));
        expect(await ok(checkpoints.load('orders'))).toBe(9_007_199_254_740_993n);
        expect(await ok(checkpoints.load('mailer'))).toBe(3n);
        expect(await ok(checkpoints.load('orders:other'))).toBeUndefined();
      }));

    it('keeps a saved position across a reopen (durable stores)', () =>
      withStore(async ({ checkpoints, reopen }) => {
        if (reopen === undefined) return;
        await ok(checkpoints.save('durable', 42n));
        const again = await reopen();
        try {
          expect(await ok(again.load('durable'))).toBe(42n);
          await ok(again.save('durable', 43n));
          expect(await ok(checkpoints.load('durable'))).toBe(43n);
        } finally {
          await again.close();
        }
      }));

    it('answers StoreUnavailable once closed, without rejecting', async () => {
      const opened = await open();
      await opened.checkpoints.close();
      try {
        const loaded = await opened.checkpoints.load('closed')();
        const saved = await opened.checkpoints.save('closed', 1n)();
        for (const result of [loaded, saved]) {
          if (opened.ownsConnection) expect(E.isLeft(result)).toBe(true);
          if (E.isLeft(result)) expect(result.left._tag).toBe('StoreUnavailable');
        }
      } finally {
        await opened.cleanup?.();
      }
    });
  });
};
