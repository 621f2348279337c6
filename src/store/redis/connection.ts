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

const DEFAULT_URL = 'redis://127.0.0.1:6379'

// Connections being closed on purpose (quit): their last `close` is no outage.
const closing = new WeakSet<Redis | Cluster>()

/**
 * The Redis a store connects to, fit for a log line: the URL without its password (REDIS_URL
 * carries the ACL user's password in production), or a Cluster's seed nodes.
 */
export function describeRedisTarget (target: Pick<ConnectionOptions, 'url' | 'clusterNodes'>): string {
  if (target.clusterNodes !== undefined) {
    return `Redis Cluster (seed nodes ${target.clusterNodes.map(({ host, port }) => `${host}:${port}`).join(', ')})`
  }
  let url: URL
  try {
    url = new URL(target.url ?? DEFAULT_URL)
  } catch {
    return 'Redis (REDIS_URL does not parse as a URL, so it is not shown)'
  }
  url.password = ''
  return `Redis at ${url.href}`
}

/** What a connection error says, without the command arguments ioredis may attach (AUTH carries the password). */
function errorFields (error: Error): { error: string, code?: string } {
  const code = (error as NodeJS.ErrnoException).code
  return code === undefined ? { error: error.message } : { error: error.message, code }
}

/**
 * Logs the connection's life once per change, never per failed call: unreachable at start (with
 * what to check), connected, lost, restored. ioredis emits `error` on every failed reconnect
 * attempt and `close` on every dropped socket; only the first of each run is worth a line.
 */
function logConnectionChanges (client: Redis | Cluster, target: string, logger: RedisStoreLogger): void {
  let state: 'starting' | 'unreachable' | 'up' | 'lost' = 'starting'
  const lost = (fields: object): void => {
    if (state !== 'up' || closing.has(client)) return
    state = 'lost'
    logger.warn({ event: 'store_lost', store: target, ...fields }, `redis store: connection to ${target} lost; calls answer 503 until it is back, reconnecting`)
  }
  client.on('error', (error: Error) => {
    if (state === 'starting') {
      state = 'unreachable'
      logger.error({ event: 'store_unreachable', store: target, ...errorFields(error) },
        `redis store: cannot reach ${target} (${error.message}): start Redis or fix REDIS_URL / REDIS_CLUSTER_NODES; calls answer 503 meanwhile, retrying every second`)
    }
    lost(errorFields(error))
  })
  client.on('close', () => { lost({}) })
  client.on('ready', () => {
    if (state === 'lost') logger.info({ event: 'store_restored', store: target }, `redis store: connection to ${target} restored`)
    else if (state !== 'up') logger.info({ event: 'store_connected', store: target }, `redis store: connected to ${target}`)
    state = 'up'
  })
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
    // No auto-pipelining: it builds a Pipeline per event-loop turn and holds each command until
    // setImmediate, which cost a refresh more CPU than the system calls it saved.
    // Each command is written at once instead: the same round trips, one system call each.
    : new Redis(options.url ?? DEFAULT_URL, { ...connectionOptions, retryStrategy })

  // An error listener must exist with or without a logger: ioredis prints unhandled ones itself.
  client.on('error', () => {})
  if (logger !== undefined) logConnectionChanges(client, describeRedisTarget(options), logger)
  client.on('ready', () => {
    // Queue commands only until the first connection: afterwards a call made while Redis is
    // away fails at once instead of waiting for a connection that may take long to come.
    if (client instanceof Redis) client.options.enableOfflineQueue = false
  })
  return client
}

/** Says goodbye to Redis within the call timeout, then drops the connection whatever happened. */
export async function quit (connection: Redis | Cluster, { call }: BoundedCalls): Promise<void> {
  closing.add(connection)
  try {
    await call(() => connection.quit())
  } catch {
    // Redis is away: nothing to say goodbye to.
  } finally {
    connection.disconnect()
  }
}
