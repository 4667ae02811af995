export * from './invoiceResource.js';
export * from './creditNoteResource.js';
