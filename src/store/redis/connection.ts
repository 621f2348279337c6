// Opening and closing the store's connections. The client reconnects forever; while it is away a
// call fails at once (after the first connection) rather than queueing behind a reconnect.
import { Cluster, Redis } from 'ioredis'
import type { RedisStoreLogger } from './context.js'
import type { BoundedCalls } from './timeouts.js'

export interface ConnectionOptions {
  /** redis:// or rediss:// URL of a standalone Redis; ignored when `clusterNodes` is given. */
  url?: string
  /** Seed nodes of a Redis Cluster. */
  clusterNodes?: Array<{ host: string, port: number }>
  /** The store's call timeout (./timeouts.ts): a socket silent for twice as long is dropped. */
  timeoutMs: number
  logger?: RedisStoreLogger
}

/** Connects to a standalone Redis or a Cluster and logs when the connection is lost and restored. */
export function connect (options: ConnectionOptions): Redis | Cluster {
  const { timeoutMs, logger } = options
  const retryStrategy = (times: number): number => Math.min(times * 100, 1000)
  const connectionOptions = {
    // A command never outlives its connection, and none is re-sent after a reconnect: its
    // caller has had its answer (an error) by then.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // A frozen Redis or a black-holed link sends nothing: drop the socket and reconnect.
    socketTimeout: Math.max(2 * timeoutMs, 2000)
  }
  const client: Redis | Cluster = options.clusterNodes !== undefined
    ? new Cluster(options.clusterNodes, { clusterRetryStrategy: retryStrategy, redisOptions: connectionOptions })
    // Commands of one event-loop turn in one write: each command stays its own (a refresh is one
    // EVALSHA), but a busy server makes one system call for many. Not on Cluster: there ioredis
    // picks an auto-pipeline's node by the first argument, which for rotateRefreshToken (key
    // count passed first) is a number, not a key.
    : new Redis(options.url ?? 'redis://127.0.0.1:6379', { ...connectionOptions, retryStrategy, enableAutoPipelining: true })

  let healthy = true
  client.on('error', (error: Error) => {
    if (healthy) logger?.warn({ err: error }, 'redis store: connection lost, reconnecting')
    healthy = false
  })
  client.on('ready', () => {
    if (!healthy) logger?.info({}, 'redis store: connection restored')
    healthy = true
    // Queue commands only until the first connection: afterwards a call made while Redis is
    // away fails at once instead of waiting for a connection that may take long to come.
    if (client instanceof Redis) client.options.enableOfflineQueue = false
  })
  return client
}

/** Says goodbye to Redis within the call timeout, then drops the connection whatever happened. */
export async function quit (connection: Redis | Cluster, { call }: BoundedCalls): Promise<void> {
  try {
    await call(() => connection.quit())
  } catch {
    // Redis is away: nothing to say goodbye to.
  } finally {
    connection.disconnect()
  }
}
