export * from './model/readModel.js';
export * from './model/projectedEvent.js';
export * from './model/projection.js';
export * from './model/readModelStore.js';
export * from './runner/index.js';
export * from './projections/index.js';
export * from './queries/index.js';
export * from './subscriptions/index.js';
