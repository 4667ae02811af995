import * as E from 'fp-ts/lib/Either.js';

import type {
  CorruptEvent,
  CreditNoteEvent,
  EventMetadata,
  InvoiceEvent,
  LoadedEvent,
  NumberSeriesEvent,
  RecordedEvent,
} from '@accrue/domain';
import {
  creditNoteAggregate,
  decodeRecordedEvent,
  invoiceAggregate,
  numberSeriesAggregate,
  parseStreamName,
} from '@accrue/domain';

export type DomainEvent = InvoiceEvent | CreditNoteEvent | NumberSeriesEvent;

/** A decoded domain event with where it sits in the log: what projection functions receive. */
export interface ProjectedEvent {
  readonly event: DomainEvent;
  readonly streamName: string;
  readonly streamVersion: number;
  readonly globalPosition: bigint;
  readonly eventId: string;
  readonly metadata: EventMetadata;
}

/**
 * Decodes a stored event for the projections (metadata, upcasting, the aggregate's codec). Events of streams
 * Accrue does not own (other categories) are skipped (`undefined`); a damaged event of ours is `CorruptEvent`.
 */
const decodeDomainEvent = (
  recorded: RecordedEvent,
): E.Either<CorruptEvent, LoadedEvent<DomainEvent>> | undefined => {
  switch (parseStreamName(recorded.streamName)?.category) {
    case 'invoice':
      return decodeRecordedEvent(invoiceAggregate.events, recorded);
    case 'creditnote':
      return decodeRecordedEvent(creditNoteAggregate.events, recorded);
    case 'numberseries':
      return decodeRecordedEvent(numberSeriesAggregate.events, recorded);
    case undefined:
      return undefined;
  }
};

/**
 * Decodes a stored event for the projections (metadata, upcasting, the aggregate's codec). Events of streams
 * Accrue does not own (other categories) are skipped (`undefined`); a damaged event of ours is `CorruptEvent`.
 */
export const toProjectedEvent = (
  recorded: RecordedEvent,
): E.Either<CorruptEvent, ProjectedEvent | undefined> => {
  const decoded = decodeDomainEvent(recorded);
  if (decoded === undefined) return E.right(undefined);
  if (E.isLeft(decoded)) return decoded;
  return E.right({
    event: decoded.right.event,
    streamName: recorded.streamName,
    streamVersion: recorded.streamVersion,
    globalPosition: recorded.globalPosition,
    eventId: recorded.eventId,
    metadata: decoded.right.metadata,
  });
};
