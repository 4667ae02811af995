export * from './loopback.js';
export * from './contract.js';
export * from './fixtures.js';
