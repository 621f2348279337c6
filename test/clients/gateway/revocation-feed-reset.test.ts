// `event: reset` (the cursor was older than everything Rotor keeps) replaces the set with the full
// set that follows, at `ready`; a reset cut short loses nothing already received.
import t from 'tap'
import { once } from 'node:events'
import { RevocationFeed } from '../../../clients/gateway/index.js'
import { startFakeFeedServer } from '../../helpers/fake-feed-server.js'

const until = Math.floor(Date.now() / 1000) + 900

async function until51 (feed: RevocationFeed): Promise<void> {
  while (feed.lastEventId !== '51') await once(feed, 'revoked')
}

t.test('reset then the full set replaces the set at ready', async (t) => {
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
  t.notOk(feed.isRevoked('a'), 'replaced: Rotor no longer keeps it')
  t.ok(feed.isRevoked('b') && feed.isRevoked('c'))
  t.equal(feed.size, 2)
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
