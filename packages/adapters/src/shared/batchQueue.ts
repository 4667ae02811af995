/**
 * Group commit: requests made while a flush is pending are gathered and handed to `flush` together, so that
 * many concurrent commands share one durable commit (one fsync) instead of paying one each. The first request
 * after a quiet period schedules a flush on the next macrotask turn (`setImmediate`), which lets every
 * producer that is ready in this turn join the batch without adding a timer's latency.
 */
export interface BatchQueue<Request, Result> {
  enqueue(request: Request): Promise<Result>;
  /** Resolves once everything enqueued so far has been flushed. */
  drain(): Promise<void>;
}

export const createBatchQueue = <Request, Result>(
  flush: (batch: ReadonlyArray<Request>) => Promise<ReadonlyArray<Result>> | ReadonlyArray<Result>,
  options: { readonly maxBatch: number },
): BatchQueue<Request, Result> => {
  interface Pending {
    readonly request: Request;
    readonly resolve: (result: Result) => void;
    readonly reject: (error: unknown) => void;
  }
  let queue: Pending[] = [];
  let running: Promise<void> | undefined;

  const run = async (): Promise<void> => {
    // Yield once so that every producer ready in this turn can join the batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      const batch = queue.slice(0, options.maxBatch);
      queue = queue.slice(batch.length);
      try {
        const results = await flush(batch.map((pending) => pending.request));
        batch.forEach((pending, i) => {
          const result = results[i];
          if (result === undefined)
            pending.reject(new Error('group commit returned no result for a request'));
          else pending.resolve(result);
        });
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    running = undefined;
  };

  return {
    enqueue: (request) =>
      new Promise<Result>((resolve, reject) => {
        queue.push({ request, resolve, reject });
        running ??= run();
      }),
    drain: async () => {
      while (running !== undefined) await running;
    },
  };
};
