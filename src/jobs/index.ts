export * from './connection.js';
export * from './names.js';
export * from './redis-lease.js';
export * from './schemas.js';
