// The process's revocations (docs/http-api.md, "Access tokens" and "Revocation feed"): one follower
// of the store's feed (src/domain/revocation-follower.ts) filling the in-memory set the bearer check
// reads (src/domain/revocation-set.ts). Decorates `fastify.revocations`.
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'
import { createRevocationFollower, REVOCATION_PAGE_SIZE, type RevocationFollower } from '../src/domain/revocation-follower.js'
import { createRevocationSet, type RevocationSet } from '../src/domain/revocation-set.js'
import { formatRevocationId, parseRevocationId, revocationUntilOffset } from '../src/store/revocation-ids.js'
import type { SessionEndNotices } from '../src/domain/sessions.js'
import type { RevocationPage } from '../src/store/types.js'

/**
 * The process's revocations: told of the sessions this process ends (SessionEndNotices, from the
 * domain's ending calls), read by the bearer check (`set`) and by the feed's routes.
 */
export interface Revocations extends SessionEndNotices {
  /** One page of the feed after `after` (null: all in force), for feed readers. */
  readPage (after: string | null): Promise<RevocationPage>
  /**
   * `value` spelt as the feed spells cursors (a revocation's id, a page's cursor), or null when it
   * is not one. Cursors compare as strings in feed order once spelt this way.
   */
  cursorOf (value: string): string | null
  /** New revocations as they arrive, for the feed's streams. */
  readonly follower: RevocationFollower
  readonly set: RevocationSet
}

declare module 'fastify' {
  interface FastifyInstance {
    revocations: Revocations
  }
}

/** Longest the start-up waits for the first read of the revocations in force. */
export const STARTUP_READ_WAIT_MS = 1000

export interface RevocationsPluginOptions {
  config: Config
  /** How long one wait for new revocations may block (ms). */
  waitTimeoutMs?: number
  /** How often lapsed entries leave the in-memory set (ms). */
  sweepIntervalMs?: number
  /** Bound on the in-memory set (entries). */
  maxEntries?: number
}

export default fp<RevocationsPluginOptions>(async function revocationsPlugin (fastify, options) {
  const { store, now } = fastify
  const untilOffset = revocationUntilOffset(options.config.accessTokenTtl)
  const set = createRevocationSet(options.maxEntries)
  const follower = createRevocationFollower({
    store,
    set,
    now,
    waitTimeoutMs: options.waitTimeoutMs,
    onStoreError (error) {
      fastify.log.warn({ event: 'revocations_unreachable', err: error, known: set.size }, 'revocation feed: the store is unreachable; access tokens are checked against the revocations known until it is back')
    },
    onRecovered () {
      fastify.log.info({ event: 'revocations_caught_up', known: set.size }, 'revocation feed: the store is back and every revocation made meanwhile has been read')
    }
  })

  let overflowReported = 0
  const sweeper = setInterval(() => {
    set.sweep(now())
    if (set.overflowed > overflowReported) {
      fastify.log.warn({ event: 'revocations_overflowed', dropped: set.overflowed - overflowReported }, 'revocation set full: the revocations closest to lapsing were dropped early')
      overflowReported = set.overflowed
    }
  }, options.sweepIntervalMs ?? 1000)
  sweeper.unref()

  const revocations: Revocations = {
      noteEnded (sessionId) {
      set.add(sessionId, Math.floor(now() / 1000) + untilOffset)
    },
    async catchUp () {
      await follower.sync().catch((error: unknown) => {
        fastify.log.warn({ err: error }, 'revocation feed: could not read the revocations just made; the follower will')
      })
    },
    readPage: async (after) => await store.readRevocations(after, now(), REVOCATION_PAGE_SIZE),
    cursorOf (value) {
      const id = parseRevocationId(value)
      return id === null ? null : formatRevocationId(id)
    },
    follower,
    set
  }
  fastify.metrics.gauge('rotor_revocations_in_force', 'Revocations this instance knows in force (the set bearer checks read; lapsed entries leave it within a second)', () => set.size)
  fastify.decorate('revocations', revocations)

  // Before the first request: an instance that restarts knows what was revoked before it answers.
  // A store that is down or slow holds the start-up for STARTUP_READ_WAIT_MS at most; the follower
  // goes on reading in the background.
  fastify.addHook('onReady', async () => {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([follower.start(), new Promise<void>((resolve) => { timer = setTimeout(resolve, STARTUP_READ_WAIT_MS) })])
    clearTimeout(timer)
  })
  // Before the store closes (onClose): a closed store answers every wait at once, empty.
  fastify.addHook('preClose', async () => {
    clearInterval(sweeper)
    follower.stop()
  })
}, { name: 'revocations', dependencies: ['store', 'metrics'] })
