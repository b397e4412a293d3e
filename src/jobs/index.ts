export * from './connection.js';
export * from './names.js';
export * from './run-hash.js';
export * from './schemas.js';
