export * from './verifyLog.js';
export * from './logTransfer.js';
