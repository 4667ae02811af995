export * from './aggregates.js';
export * from './keyedMutex.js';
export * from './approveInvoice.js';
export * from './recoverNumberReservations.js';
export * from './timeTravel.js';
export * from './issueCreditNote.js';
export * from './seriesReservations.js';
