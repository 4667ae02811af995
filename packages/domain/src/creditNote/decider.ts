import type { Decider } from '../shared/decider.js';
import type { CreditNoteCommand } from './commands.js';
import { decideCreditNote } from './decide.js';
import type { CreditNoteError } from './errors.js';
import type { CreditNoteEvent } from './events.js';
import type { CreditNoteState } from './state.js';
import { evolveCreditNote, initialCreditNoteState } from './state.js';

/** The credit note aggregate as a decider; see `decideCreditNote` for its invariants. */
export const creditNoteDecider: Decider<
  CreditNoteCommand,
  CreditNoteEvent,
  CreditNoteState,
  CreditNoteError
> = {
  decide: decideCreditNote,
  evolve: evolveCreditNote,
  initialState: initialCreditNoteState,
};
