export * from './connection.js';
export * from './names.js';
export * from './schemas.js';
