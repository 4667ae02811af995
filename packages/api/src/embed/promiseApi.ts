import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';

import { AccrueError } from './errors.js';

/**
 * The promise form of a TaskEither API: each operation takes the same arguments and resolves to the right, or
 * rejects with an `AccrueError` carrying the left. Derived mechanically, so the two APIs cannot drift.
 */
export type PromiseApi<Fp> = {
  readonly [K in keyof Fp]: Fp[K] extends (...args: infer A) => TE.TaskEither<infer _E, infer R>
    ? (...args: A) => Promise<R>
    : never;
};

/** Runs a TaskEither: its right, or a rejection with an `AccrueError` carrying its left. */
export const runTask = async <L extends { readonly _tag: string }, R>(
  task: TE.TaskEither<L, R>,
): Promise<R> => {
  const result = await task();
  if (E.isLeft(result)) throw new AccrueError(result.left);
  return result.right;
};

/** The promise API of `fp`: every function property wrapped with `runTask`. */
export const toPromiseApi = <Fp extends object>(fp: Fp): PromiseApi<Fp> => {
  const api: Record<string, unknown> = {};
  for (const [name, operation] of Object.entries(fp)) {
    if (typeof operation !== 'function') continue;
    api[name] = (...args: unknown[]) =>
      runTask((operation as (...a: unknown[]) => TE.TaskEither<{ readonly _tag: string }, unknown>)(...args));
  }
  // The keys and signatures are those of `fp`, mapped one to one above.
  return api as PromiseApi<Fp>;
};
