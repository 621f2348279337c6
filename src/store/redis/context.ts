// What every group of Redis store methods works with: one client, its scripts, the key prefix, and
// the bounded way to call Redis (./timeouts.ts).
import type { Cluster, Redis } from 'ioredis'
import type { RedisScripts } from './scripts.js'

/** The slice of a pino logger the store uses. */
export interface RedisStoreLogger {
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

export interface RedisContext {
  client: Redis | Cluster
  /** On Cluster a counter lies in another slot than the user's keys, so no script spans both. */
  isCluster: boolean
  /** Prepended to every key (../redis-keys.ts takes it as its first argument). */
  prefix: string
  scripts: RedisScripts
  /** Runs one Redis operation within the store's timeout; rejects as ./errors.ts maps it. */
  call: <T>(operation: () => Promise<T>) => Promise<T>
  /** The deadline to pass a mutating script: past it the script changes nothing (ROTOR_STALE). */
  deadline: () => number
}
