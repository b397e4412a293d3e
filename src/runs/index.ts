export * from './chunk-progress.js';
export * from './output-layout.js';
export * from './retention.js';
export * from './run-record.js';
export * from './run-store.js';
