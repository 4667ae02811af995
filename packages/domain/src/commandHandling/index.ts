export * from './streams.js';
export * from './canonicalJson.js';
export * from './eventIds.js';
export * from './metadata.js';
export * from './hashChain.js';
export * from './upcasting.js';
export * from './loadStream.js';
export * from './handleCommand.js';
