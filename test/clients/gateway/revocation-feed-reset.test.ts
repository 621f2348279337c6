// `event: reset` (the cursor was older than everything Rotor keeps, or the feed lost entries): the
// full set that follows is added to what the set holds, which stays until each entry's `until`, as
// Rotor's own instances keep theirs; a reset cut short loses nothing already received.
import t from 'tap'
import { once } from 'node:events'
import { RevocationFeed } from '../../../clients/gateway/index.js'
import { startFakeFeedServer } from '../../helpers/fake-feed-server.js'

const until = Math.floor(Date.now() / 1000) + 900

async function until51 (feed: RevocationFeed): Promise<void> {
  while (feed.lastEventId !== '51') await once(feed, 'revoked')
}

t.test('reset then the full set: added to the set, which keeps what it held', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: server.url, token: 'feed-token-feed-token-feed-token-0002', reconnectInitialMs: 20 })
  t.teardown(async () => { await feed.close() })
  let resets = 0
  feed.on('reset', () => { resets++ })

  const first = await server.connection(0)
  first.open()
  first.revoked({ id: '1', sid: 'a', until })
  first.revoked({ id: '2', sid: 'b', until })
  first.event('ready')
  await feed.ready
  first.destroy()

  const second = await server.connection(1)
  t.equal(second.request.headers['last-event-id'], '2')
  second.open()
  second.event('reset')
  second.revoked({ id: '50', sid: 'b', until })
  second.revoked({ id: '51', sid: 'c', until })
  await until51(feed)
  t.ok(feed.isRevoked('a'), 'until ready, the old set still answers')
  t.ok(feed.isRevoked('c'), 'and so does what the reset sent so far')
  second.event('ready')
  await once(feed, 'ready')
  t.equal(resets, 1)
  t.ok(feed.isRevoked('a'), 'kept: the session did end, though the feed no longer has it (a Redis that lost its data)')
  t.ok(feed.isRevoked('b') && feed.isRevoked('c'))
  t.equal(feed.size, 3)
  t.equal(feed.lastEventId, '51')
})

t.test('a reset cut short before ready keeps what it received, and its cursor', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: server.url, token: 'feed-token-feed-token-feed-token-0002', reconnectInitialMs: 20 })
  t.teardown(async () => { await feed.close() })
  const first = await server.connection(0)
  first.open()
  first.revoked({ id: '1', sid: 'a', until })
  first.event('ready')
  await feed.ready
  first.destroy()

  const second = await server.connection(1)
  second.open()
  second.event('reset')
  second.revoked({ id: '60', sid: 'd', until })
  await once(feed, 'revoked')
  second.destroy()

  const third = await server.connection(2)
  t.equal(third.request.headers['last-event-id'], '60', 'resumes after what the reset sent')
  t.ok(feed.isRevoked('a') && feed.isRevoked('d'), 'both the old set and the partial reset are kept')
})

// Rotor writes a reset mid-stream when its own follower had to start over (its Redis lost the feed):
// no `ready` follows on that connection, so nothing may wait for one.
t.test('a reset in the middle of a live stream: what follows counts at once', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: server.url, token: 'feed-token-feed-token-feed-token-0002', reconnectInitialMs: 20 })
  t.teardown(async () => { await feed.close() })
  const live = await server.connection(0)
  live.open()
  live.revoked({ id: '1', sid: 'a', until })
  live.event('ready')
  await feed.ready
  live.event('reset')
  live.revoked({ id: '51', sid: 'c', until })
  await until51(feed)
  t.ok(feed.isRevoked('a') && feed.isRevoked('c'))
  t.equal(feed.size, 2, 'the set holds both, and counts both')
  t.ok(feed.connected, 'the stream goes on')
})
