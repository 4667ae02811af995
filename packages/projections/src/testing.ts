/** Test support for projections (the `@accrue/projections/testing` subpath, never the main entry). */
export * from './projections/testing/eventLog.js';
export * from './projections/testing/memoryTables.js';
