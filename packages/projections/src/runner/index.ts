export * from './applyBatch.js';
export * from './runner.js';
export * from './bufferedTransaction.js';
