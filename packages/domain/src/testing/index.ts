export * from './deciderSpec.js';
export * from './decode.js';
