export * from './applyBatch.js';
export * from './runner.js';
