export * from './errors.js';
export * from './scopes.js';
export * from './common.js';
export * from './health.js';
export * from './auth.js';
export * from './tenants.js';
export * from './chat.js';
export * from './billing.js';
