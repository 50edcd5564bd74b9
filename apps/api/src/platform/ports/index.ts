import { createMemoryPorts } from './memory.js';
import { createRedisPorts } from './redis.js';
import type { Ports } from './types.js';

export * from './types.js';
export { compareStreamIds, isStreamId } from './stream-ids.js';

/** Redis-backed ports when `REDIS_URL` is set, in-process ones otherwise. */
export function createPorts(redis: { url?: string; keyPrefix: string }): Ports {
  return redis.url ? createRedisPorts(redis.url, redis.keyPrefix) : createMemoryPorts();
}
export { followStream } from './follow.js';
