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
import { sessionEndedSubscription } from './redis/session-events.js'
import { sessionMethods } from './redis/sessions.js'
import { boundedCalls } from './redis/timeouts.js'
import { sessionEndedChannel } from './redis-keys.js'
import type { AuthStore } from './types.js'

export type { RedisStoreLogger } from './redis/context.js'
export { scriptSource } from './redis/scripts.js'

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL of a standalone Redis; ignored when `clusterNodes` is given. */
  url?: string
  /** Seed nodes of a Redis Cluster. */
  clusterNodes?: Array<{ host: string, port: number }>
  /** Prepended to every key and to the session-ended channel (REDIS_PREFIX). */
  prefix: string
  /** How long any call may wait for Redis before it rejects with StoreUnavailableError (default 1000). */
  commandTimeoutMs?: number
  logger?: RedisStoreLogger
}

export function createRedisStore (options: RedisStoreOptions): AuthStore {
  const { prefix, logger } = options
  const timeoutMs = options.commandTimeoutMs ?? 1000
  const channel = sessionEndedChannel(prefix)
  const client = connect({ url: options.url, clusterNodes: options.clusterNodes, timeoutMs, logger })
  const events = sessionEndedSubscription(client, channel, logger)
  // A listener added just before a call must not miss the events that call publishes.
  const calls = boundedCalls(timeoutMs, events.pending)
  const context: RedisContext = {
    client,
    isCluster: options.clusterNodes !== undefined,
    prefix,
    channel,
    scripts: defineScripts(client),
    call: calls.call,
    deadline: calls.deadline
  }
  const counters = counterMethods(context)

  return {
    ...accountMethods(context),
    ...sessionMethods(context, counters.incrementCounter),
    ...counters,

    onSessionEnded: events.onSessionEnded,

    async ping () {
      await calls.call(() => client.ping())
    },

    async close () {
      const subscriber = events.connection()
      await Promise.all([quit(client, calls), subscriber === undefined ? undefined : quit(subscriber, calls)])
    }
  }
}
