import { CreditNoteEvent } from '../creditNote/events.js';
import { creditNoteDecider } from '../creditNote/decider.js';
import { InvoiceEvent } from '../invoice/events.js';
import { invoiceDecider } from '../invoice/decider.js';
import { NumberSeriesEvent } from '../numbering/events.js';
import { numberSeriesDecider } from '../numbering/decider.js';
import { noUpcasters } from '../commandHandling/upcasting.js';

/**
 * The aggregates as the command handler runs them: decider, event codec and schema history. Schema version 1
 * is the first released shape of every event; bump it with an upcaster when a shape changes.
 */
export const invoiceAggregate = {
  decider: invoiceDecider,
  events: { codec: InvoiceEvent, schema: noUpcasters(1) },
};

export const creditNoteAggregate = {
  decider: creditNoteDecider,
  events: { codec: CreditNoteEvent, schema: noUpcasters(1) },
};

export const numberSeriesAggregate = {
  decider: numberSeriesDecider,
  events: { codec: NumberSeriesEvent, schema: noUpcasters(1) },
};
