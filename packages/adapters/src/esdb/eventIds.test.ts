import { describe, expect, it } from 'vitest';

import {
  ORIGINAL_EVENT_ID_KEY,
  deriveEventUuid,
  fromStoredId,
  isCanonicalUuid,
  toStoredId,
} from './eventIds.js';

describe('EventStoreDB event ids', () => {
  it('derives RFC 9562 version-5 UUIDs (vectors from Python uuid.uuid5 with the Accrue namespace)', () => {
    expect(deriveEventUuid('cmd-42/0')).toBe('de6534dd-132a-5e67-b4ac-b0f859c8e3cf');
    expect(deriveEventUuid('Zürich')).toBe('cb73d580-f0ea-5d3e-ac51-8a97cca9e2cc');
  });

  it('keeps canonical UUIDs and replaces anything else, keeping the original in metadata', () => {
    const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(toStoredId(uuid, { a: 1 })).toEqual({ id: uuid, metadata: { a: 1 } });
    const upper = uuid.toUpperCase();
    expect(isCanonicalUuid(upper)).toBe(false);
    expect(toStoredId(upper, { a: 1 })).toEqual({
      id: deriveEventUuid(upper),
      metadata: { a: 1, [ORIGINAL_EVENT_ID_KEY]: upper },
    });
  });

  it('round-trips, and leaves a foreign event that merely carries the key alone', () => {
    for (const id of ['cmd-1/0', '0f8fad5b-d9cb-469f-a165-70867728950e', '']) {
      const stored = toStoredId(id, { correlationId: 'c' });
      expect(fromStoredId(stored.id, stored.metadata)).toEqual({
        eventId: id,
        metadata: { correlationId: 'c' },
      });
    }
    const foreign = { [ORIGINAL_EVENT_ID_KEY]: 'someone-else' };
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(fromStoredId(id, foreign)).toEqual({ eventId: id, metadata: foreign });
  });

  it('refuses caller metadata that uses the reserved key', () => {
    expect(() => toStoredId('x', { [ORIGINAL_EVENT_ID_KEY]: 'y' })).toThrow(RangeError);
  });
});
