import type { AppendRequest } from './appendRequest.js';

/**
 * Cuts a group-commit batch into the chunks that go to one `append_events` call each, keeping request order:
 * - at most about `maxEvents` events per chunk (a larger single request goes alone), so one statement's
 *   parameters and row count stay bounded;
 * - no event id in two requests of one chunk. Such requests are rare (two racing copies of one command), and
 *   the later one must be refused only if the earlier one was written, which the function decides by reading
 *   what is stored: in separate chunks, the second runs after the first has committed and sees its ids.
 */
export const splitBatch = (
  batch: ReadonlyArray<AppendRequest>,
  maxEvents: number,
): ReadonlyArray<ReadonlyArray<AppendRequest>> => {
  const chunks: AppendRequest[][] = [];
  let chunk: AppendRequest[] = [];
  let events = 0;
  let ids = new Set<string>();
  for (const request of batch) {
    const tooBig = events + request.events.length > maxEvents;
    if (chunk.length > 0 && (tooBig || request.events.some((event) => ids.has(event.eventId)))) {
      chunks.push(chunk);
      chunk = [];
      events = 0;
      ids = new Set();
    }
    chunk.push(request);
    events += request.events.length;
    for (const event of request.events) ids.add(event.eventId);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
};
