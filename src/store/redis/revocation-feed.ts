// Reading the revocation feed (lua/lib/revocations.lua): a page is one read-revocations.lua script;
// waiting for the next revocation is a blocking XREAD on a connection of its own, opened on first
// use, so it never holds up the store's other commands (Redis answers a connection's commands in
// order, and a blocked XREAD would keep everything behind it waiting).
import { Redis, type Cluster } from 'ioredis'
import { StoreUnavailableError } from '../../errors.js'
import { revocationFeedKey } from '../redis-keys.js'
import { formatRevocationId, parseRevocationId, streamId } from '../revocation-ids.js'
import type { AuthStore, Revocation, RevocationPage, RevocationReason } from '../types.js'
import type { RedisContext } from './context.js'

const DEFAULT_LIMIT = 1000

/** A stream id from Redis as readers get it (../revocation-ids.ts). */
function readerId (value: unknown): string {
  const id = parseRevocationId(String(value))
  if (id === null) throw new Error(`not a stream id: ${String(value)}`)
  return formatRevocationId(id)
}

export interface RevocationFeedReader extends Pick<AuthStore, 'readRevocations' | 'waitForRevocations'> {
  close (): void
}

/** `timeoutMs`: the store's call timeout, which a blocking read may overrun its own wait by. */
export function revocationFeedReader (context: RedisContext, timeoutMs: number): RevocationFeedReader {
  const { client, prefix, scripts, call } = context
  const feedKey = revocationFeedKey(prefix)
  let blocking: Redis | Cluster | undefined
  let closed = false

  async function readRevocations (after: string | null, now: number, limit = DEFAULT_LIMIT): Promise<RevocationPage> {
    // A cursor that is not an id cannot be in the feed: read everything in force (reset), rather
    // than let Redis refuse it.
    const parsed = after === null ? null : parseRevocationId(after)
    const valid = after === null || parsed !== null
    const reply = await call(() => scripts.readRevocations(feedKey, parsed === null ? '' : streamId(parsed), now, limit)) as unknown[]
    const revocations: Revocation[] = []
    for (let at = 2; at + 5 < reply.length; at += 6) {
      revocations.push({
        id: readerId(reply[at]),
        sid: String(reply[at + 1]),
        sub: String(reply[at + 2]),
        reason: String(reply[at + 3]) as RevocationReason,
        at: Number(reply[at + 4]),
        until: Number(reply[at + 5])
      })
    }
    return { revocations, cursor: readerId(reply[1]), reset: !valid || Number(reply[0]) === 1 }
  }

  function blockingConnection (): Redis | Cluster {
    if (blocking === undefined) {
      // No socket timeout (a blocked read is silent for as long as it waits: the wait below bounds
      // it instead), and commands may queue until this new connection is up.
      blocking = client instanceof Redis
        ? client.duplicate({ socketTimeout: undefined, enableOfflineQueue: true, connectionName: 'rotor-revocations' })
        : client.duplicate([], { redisOptions: { ...client.options.redisOptions, socketTimeout: undefined } })
      blocking.on('error', () => { /* the main connection reports outages */ })
    }
    return blocking
  }

  /** Waits up to `waitMs` for an entry after `cursor`: true when one came. */
  async function appended (cursor: string, waitMs: number): Promise<boolean> {
    const connection = blockingConnection()
    const from = streamId(parseRevocationId(cursor) ?? { ms: 0, seq: 0 })
    let timer: NodeJS.Timeout | undefined
    const silent = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`no answer from Redis within ${waitMs + timeoutMs} ms of a blocking read`)) }, waitMs + timeoutMs)
    })
    try {
      const reply = await Promise.race([connection.xread('COUNT', 1, 'BLOCK', Math.max(1, Math.round(waitMs)), 'STREAMS', feedKey, from), silent])
      return reply !== null
    } catch (error) {
      // A connection that went silent is dropped; the next wait opens a fresh one.
      if (blocking === connection) blocking = undefined
      connection.disconnect()
      if (closed) return false
      throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError({ cause: error })
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    readRevocations,

    async waitForRevocations (after, waitMs, now) {
      const waitUntil = Date.now() + waitMs
      let page = await readRevocations(after, now)
      while (page.revocations.length === 0 && !page.reset && !closed) {
        const left = waitUntil - Date.now()
        if (left <= 0 || !await appended(page.cursor, left)) break
        // Entries may have come that are out of force by `now`: read on from where this page ended.
        page = await readRevocations(page.cursor, now)
      }
      return page
    },

    close () {
      closed = true
      blocking?.disconnect()
      blocking = undefined
    }
  }
}
