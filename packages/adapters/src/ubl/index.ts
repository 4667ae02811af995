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
