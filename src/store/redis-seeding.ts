// Bulk writes for capacity measurements (bench/scenarios/scale.ts): sessions by the million, each
// without the login (an argon2 verification) that would otherwise create it. Everything written has
// the store's own layout, so the store reads it back as its own; the key layout itself stays
// private to src/store/. Standalone Redis only.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { sessionIndexField, sessionKey, userKey } from './redis-keys.js'
import { readLua } from './redis/scripts.js'
import type { UserRecord } from './types.js'

/** A session by its ids. */
export interface SeededSession { userId: string, sessionId: string }

/** What one session costs in Redis, from MEMORY USAGE. */
export interface SessionFootprint {
  /** Bytes of the session's record. */
  session: number
  /** Bytes of its account hash, which also holds the user's session index. */
  account: number
}

export interface RedisSeeder {
  /**
   * Writes `accounts` as createUser writes the account itself, without the username claim: the
   * accounts exist for sessions to belong to, and nobody can log in to them by name.
   */
  writeAccounts (accounts: UserRecord[]): Promise<void>
  /**
   * Adds `count` sessions, each a byte-for-byte copy of a `templates` session (written through the
   * store, cycled through in batches) under a fresh user and session id, with its own index entry,
   * expiring at `expiresAt` (ms epoch). `progress` hears the running total after each batch.
   * Returns one copy's ids, or null when `count` is 0.
   */
  copySessions (templates: SeededSession[], count: number, expiresAt: number, progress?: (written: number) => void): Promise<SeededSession | null>
  /** What `session` and its account hash cost in Redis. */
  footprint (session: SeededSession): Promise<SessionFootprint>
  close (): Promise<void>
}

const ACCOUNT_BATCH = 1_000
const COPY_BATCH = 2_000

const newId = (): string => randomBytes(16).toString('base64url')

/** A seeder for the store at `url` whose keys start with `prefix` (REDIS_PREFIX). */
export function createRedisSeeder (options: { url: string, prefix: string }): RedisSeeder {
  const { prefix } = options
  const redis = new Redis(options.url)
  redis.defineCommand('rotor_copySessions', { lua: readLua('copy-sessions') })
  const defined = (redis as unknown as Record<string, (...keysThenArgs: Array<number | string | Buffer>) => Promise<unknown>>).rotor_copySessions
  if (defined === undefined) throw new Error('defineCommand did not add rotor_copySessions')
  const copyBatch = defined.bind(redis)

  return {
    async writeAccounts (accounts) {
      for (let done = 0; done < accounts.length; done += ACCOUNT_BATCH) {
        const pipeline = redis.pipeline()
        for (const user of accounts.slice(done, done + ACCOUNT_BATCH)) {
          pipeline.hset(userKey(prefix, user.id), 'username', user.username, 'passwordHash', user.passwordHash, 'createdAt', user.createdAt)
        }
        await pipeline.exec()
      }
    },

    async copySessions (templates, count, expiresAt, progress) {
      if (count > 0 && templates.length === 0) throw new Error('copySessions needs at least one template session')
      const records = await Promise.all(templates.map(async ({ userId, sessionId }) => {
        const record = await redis.dumpBuffer(sessionKey(prefix, userId, sessionId))
        if (record === null) throw new Error(`template session ${sessionId} does not exist`)
        return record
      }))
      let sample: SeededSession | null = null
      for (let done = 0, batch = 0; done < count; done += COPY_BATCH, batch++) {
        const size = Math.min(COPY_BATCH, count - done)
        const keys: string[] = []
        const indexFields: string[] = []
        for (let i = 0; i < size; i++) {
          const copy = { userId: newId(), sessionId: newId() }
          sample ??= copy
          keys.push(sessionKey(prefix, copy.userId, copy.sessionId), userKey(prefix, copy.userId))
          indexFields.push(sessionIndexField(copy.sessionId))
        }
        const copied = await copyBatch(keys.length, ...keys, expiresAt, records[batch % records.length] as Buffer, ...indexFields)
        if (copied !== size) throw new Error(`copying sessions: ${String(copied)} of ${size} written`)
        progress?.(done + size)
      }
      return sample
    },

    async footprint ({ userId, sessionId }) {
      const [session, account] = await Promise.all([
        redis.memory('USAGE', sessionKey(prefix, userId, sessionId)),
        redis.memory('USAGE', userKey(prefix, userId))
      ])
      return { session: Number(session), account: Number(account) }
    },

    async close () {
      await redis.quit()
    }
  }
}
