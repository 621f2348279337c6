// Staleness: before the first ready, and once disconnected for staleAfterMs, the set may be missing
// revocations. `onStale: 'reject'` then refuses sessions not known to be revoked; `accept` (the
// default) lets them through. A session known to be revoked is refused either way.
import t from 'tap'
import { once } from 'node:events'
import { RevocationFeed, type StalePolicy } from '../../../clients/gateway/index.js'
import { startFakeFeedServer, type FeedConnection } from '../../helpers/fake-feed-server.js'

const until = Math.floor(Date.now() / 1000) + 900
const STALE_AFTER_MS = 400

for (const onStale of ['accept', 'reject', undefined] as Array<StalePolicy | undefined>) {
  t.test(`onStale: ${onStale ?? 'default (accept)'}`, async (t) => {
    const server = await startFakeFeedServer(t)
    const feed = new RevocationFeed({ url: server.url, token: 'feed-token-feed-token-feed-token-0004', onStale, staleAfterMs: STALE_AFTER_MS, reconnectInitialMs: 20, reconnectMaxMs: 50 })
    t.teardown(async () => { await feed.close() })
    const whileStale = onStale === 'reject' ? 'stale' : 'valid'
    t.equal(feed.onStale, onStale ?? 'accept')

    const first = await server.connection(0)
    t.ok(feed.stale, 'stale until the first ready')
    t.equal(feed.verdict('live-session'), whileStale)
    first.open()
    first.revoked({ id: '1', sid: 'ended', until })
    first.event('ready')
    await feed.ready
    t.notOk(feed.stale)
    t.equal(feed.verdict('live-session'), 'valid')
    t.equal(feed.verdict('ended'), 'revoked')

    // Rotor unreachable: every further connection is refused, until the first one that comes once
    // `refusing` is off, which is Rotor back. (One loop takes every connection: a connection it
    // took but did not refuse is the one that comes back, never one left unanswered.)
    let refusing = true
    const refuse = async (): Promise<FeedConnection> => {
      for (let i = 1; ; i++) {
        const connection = await server.connection(i, 60_000)
        if (!refusing) return connection
        connection.response.writeHead(503).end()
      }
    }
    const refusals = refuse()
    const disconnectedAt = Date.now()
    first.destroy()
    await once(feed, 'disconnected')
    t.notOk(feed.stale, 'a short break is not staleness')
    t.equal(feed.verdict('live-session'), 'valid')
    await once(feed, 'stale')
    t.ok(Date.now() - disconnectedAt >= STALE_AFTER_MS - 5, 'stale only after staleAfterMs')
    t.ok(feed.stale)
    t.equal(feed.verdict('live-session'), whileStale)
    t.equal(feed.verdict('ended'), 'revoked', 'a known revocation is refused whatever the policy')

    refusing = false
    const back = await refusals
    back.open()
    back.event('ready')
    await once(feed, 'ready')
    t.notOk(feed.stale, 'fresh again once caught up')
    t.equal(feed.verdict('live-session'), 'valid')
    await feed.close()
  })
}

// Node's timers count from the event loop's cached time and may fire a millisecond before Date.now()
// says they are due (the CI failure this reproduces: no `stale` event, ever). A clock slower than the
// timers makes that early firing certain: the event must still come, once the clock says so.
t.test('stale comes even when the timer fires before the clock says staleAfterMs has passed', async (t) => {
  const server = await startFakeFeedServer(t)
  const start = Date.now()
  const slowClock = (): number => start + Math.floor((Date.now() - start) * 0.75)
  const feed = new RevocationFeed({ url: server.url, token: 'feed-token-feed-token-feed-token-0004', now: slowClock, staleAfterMs: STALE_AFTER_MS, reconnectInitialMs: 20, reconnectMaxMs: 50 })
  t.teardown(async () => { await feed.close() })
  const first = await server.connection(0)
  first.open()
  first.event('ready')
  await feed.ready
  const disconnectedAt = slowClock()
  first.destroy()
  const stale = once(feed, 'stale').then(() => 'stale')
  const gaveUp = new Promise((resolve) => { setTimeout(resolve, 10_000, 'no stale event within 10 s').unref() })
  t.equal(await Promise.race([stale, gaveUp]), 'stale')
  t.ok(slowClock() - disconnectedAt >= STALE_AFTER_MS, 'not before the clock says staleAfterMs has passed')
  t.ok(feed.stale)
})
