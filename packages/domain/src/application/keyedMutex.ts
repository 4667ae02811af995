/**
 * Runs tasks for the same key one after another, tasks for different keys freely. Used to queue this
 * process's number reservations per series, so that concurrent approvals do not fight over the series stream
 * with optimistic-concurrency retries (other processes are still handled by those retries).
 */
export interface KeyedMutex {
  run<A>(key: string, task: () => Promise<A>): Promise<A>;
}

export const createKeyedMutex = (): KeyedMutex => {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run: <A>(key: string, task: () => Promise<A>): Promise<A> => {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
};
