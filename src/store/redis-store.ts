// The AuthStore on Redis or Redis Cluster (ioredis). Each operation is one Lua script (one round
// trip) except createUser and findUserByUsername, whose account and username claim lie in different
// slots (./redis/accounts.ts). Every call answers or rejects with StoreUnavailableError within
// commandTimeoutMs, the client reconnects forever, and every mutating script carries a deadline so
// a command that reaches Redis after its caller gave up changes nothing (./redis/timeouts.ts).
import { accountMethods } from './redis/accounts.js'
import { connect, quit } from './redis/connection.js'
import type { RedisContext, RedisStoreLogger } from './redis/context.js'
import { counterMethods } from './redis/counters.js'
import { defineScripts } from './redis/scripts.js'
import { revocationFeedReader } from './redis/revocation-feed.js'
import { revocationSink } from './redis/revocation-sink.js'
import { sessionMethods } from './redis/sessions.js'
import { boundedCalls } from './redis/timeouts.js'
import type { AuthStore } from './types.js'

export type { RedisStoreLogger } from './redis/context.js'
export { scriptSource } from './redis/scripts.js'
export { describeRedisTarget } from './redis/connection.js'

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL of a standalone Redis; ignored when `clusterNodes` is given. */
  url?: string
  /** Seed nodes of a Redis Cluster. */
  clusterNodes?: Array<{ host: string, port: number }>
  /** Prepended to every key (REDIS_PREFIX). */
  prefix: string
  /** ACCESS_TOKEN_TTL in seconds (default 900): a revocation stays in force that long plus 5 s. */
  accessTokenTtl?: number
  /** Cluster: how often one server checks every slot's revocation outbox (default 30 s). */
  outboxSweepIntervalMs?: number
  /** How long any call may wait for Redis before it rejects with StoreUnavailableError (default 1000). */
  commandTimeoutMs?: number
  logger?: RedisStoreLogger
}

export function createRedisStore (options: RedisStoreOptions): AuthStore {
  const { prefix, logger } = options
  const timeoutMs = options.commandTimeoutMs ?? 1000
  const client = connect({ url: options.url, clusterNodes: options.clusterNodes, timeoutMs, logger })
  const calls = boundedCalls(timeoutMs)
  const context: RedisContext = {
    client,
    isCluster: options.clusterNodes !== undefined,
    prefix,
    scripts: defineScripts(client),
    call: calls.call,
    deadline: calls.deadline
  }
  const counters = counterMethods(context)
  const revocations = revocationSink(context, { accessTokenTtl: options.accessTokenTtl ?? 900, sweepIntervalMs: options.outboxSweepIntervalMs })
  const feed = revocationFeedReader(context, timeoutMs)

  return {
    ...accountMethods(context, revocations),
    ...sessionMethods(context, revocations, counters.incrementCounter),
    ...counters,
    readRevocations: feed.readRevocations,
    waitForRevocations: feed.waitForRevocations,

    async ping () {
      await calls.call(() => client.ping())
    },

    async close () {
      feed.close()
      await revocations.close()
      await quit(client, calls)
    }
  }
}
