export type {
  StatedLine,
  StatedTaxSubtotal,
  StatedTotals,
  StatedValues,
  UblAddress,
  UblDocument,
  UblDocumentKind,
  UblParty,
} from './document.js';
export type {
  InvalidNumber,
  InvalidValue,
  MalformedXml,
  MissingElement,
  UblReadError,
  UnknownRootElement,
} from './errors.js';
export { describeUblReadError } from './errors.js';
export { readUbl } from './read.js';
export { normaliseUblDecimal } from './ublDecimal.js';
export type { Mismatch } from './compare.js';
export { compareWithStated } from './compare.js';
export { toCreateDraftCommand } from './toDraft.js';
export type { DraftRequest } from './toDraft.js';
export type { WriteUblForCreditNoteInput, WriteUblForInvoiceInput } from './write.js';
export { DEFAULT_UNIT_CODE, writeUblForCreditNote, writeUblForInvoice } from './write.js';
export type {
  CurrencyPrecisionUnsupported,
  FrozenTotalsNotReproduced,
  InvoiceNotCalculable,
  MissingBusinessTerm,
  UblWriteError,
} from './writeErrors.js';
export { describeUblWriteError } from './writeErrors.js';
export {
  PEPPOL_BIS3_CUSTOMIZATION_ID,
  PEPPOL_BIS3_PROFILE_ID,
  UblPostalAddress,
  UblSeller,
} from './writeModel.js';
export { missingUblElements } from './writeCheck.js';
