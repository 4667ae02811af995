import type { Decider } from '../shared/decider.js';
import type { InvoiceCommand } from './commands.js';
import { decideInvoice } from './decide.js';
import type { InvoiceError } from './errors.js';
import type { InvoiceEvent } from './events.js';
import type { InvoiceState } from './state.js';
import { evolveInvoice, initialInvoiceState } from './state.js';

/** The invoice aggregate as a decider; see `decideInvoice` for the lifecycle and its invariants. */
export const invoiceDecider: Decider<InvoiceCommand, InvoiceEvent, InvoiceState, InvoiceError> = {
  decide: decideInvoice,
  evolve: evolveInvoice,
  initialState: initialInvoiceState,
};
