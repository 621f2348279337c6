// The feed client resumes after a broken or ended stream with Last-Event-ID, so it asks for nothing
// it already has, and keeps every revocation it received.
import t from 'tap'
import { once } from 'node:events'
import { RevocationFeed, type Revocation } from '../../../clients/gateway/index.js'
import { startFakeFeedServer } from '../../helpers/fake-feed-server.js'

const TOKEN = 'feed-token-feed-token-feed-token-0001'
const until = Math.floor(Date.now() / 1000) + 900

t.test('first connection: headers, catch-up, ready', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: server.url, token: TOKEN, reconnectInitialMs: 20, reconnectMaxMs: 100 })
  t.teardown(async () => { await feed.close() })
  const received: Revocation[] = []
  feed.on('revoked', (revocation) => { received.push(revocation) })

  const first = await server.connection(0)
  t.equal(first.request.url, '/auth/revocations')
  t.equal(first.request.headers.accept, 'text/event-stream')
  t.equal(first.request.headers.authorization, `Bearer ${TOKEN}`)
  t.equal(first.request.headers['last-event-id'], undefined, 'no cursor the first time: all in force')
  first.open()
  first.revoked({ id: '1', sid: 's1', until })
  first.revoked({ id: '2', sid: 's2', until })
  t.notOk(feed.connected)
  first.event('ready')
  await feed.ready
  t.ok(feed.connected)
  t.notOk(feed.stale)
  t.ok(feed.isRevoked('s1') && feed.isRevoked('s2'))
  t.notOk(feed.isRevoked('s3'))
  t.equal(feed.lastEventId, '2')
  t.equal(feed.size, 2)

  // A broken connection: the next asks for what came after 2.
  first.destroy()
  const second = await server.connection(1)
  t.equal(second.request.headers['last-event-id'], '2')
  t.notOk(feed.connected)
  t.ok(feed.isRevoked('s1'), 'what was received stays while reconnecting')
  second.open()
  second.revoked({ id: '3', sid: 's3', until })
  second.event('ready')
  await once(feed, 'ready')

  // A clean end (Rotor shutting down) is resumed the same way.
  second.end()
  const third = await server.connection(2)
  t.equal(third.request.headers['last-event-id'], '3')
  third.open()
  third.event('ready')
  await once(feed, 'ready')

  t.same(received.map((r) => r.id), ['1', '2', '3'], 'each revocation once')
  t.same(received[0], { id: '1', sid: 's1', sub: 'user', reason: 'logout', at: until - 905, until })
  t.ok(feed.isRevoked('s1') && feed.isRevoked('s2') && feed.isRevoked('s3'))
})

t.test('the base URL may carry a path; the feed is under it', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: `${server.url}/rotor`, token: TOKEN })
  t.teardown(async () => { await feed.close() })
  const first = await server.connection(0)
  t.equal(first.request.url, '/rotor/auth/revocations')
})

t.test('keys events are passed on; unknown events and unreadable revocations are skipped', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: server.url, token: TOKEN, reconnectInitialMs: 20 })
  t.teardown(async () => { await feed.close() })
  let keys = 0
  feed.on('keys', () => { keys++ })
  const first = await server.connection(0)
  first.open()
  first.write(': comment\n\n')
  first.event('ready')
  await feed.ready
  first.event('keys')
  first.event('something-new', '{"x":1}')
  first.write('event: revoked\nid: 9\ndata: {"sid": 5}\n\n')
  first.revoked({ id: '10', sid: 's10', until })
  await once(feed, 'revoked')
  t.equal(keys, 1)
  t.equal(feed.size, 1)
  t.equal(feed.lastEventId, '10')
  first.destroy()
  const second = await server.connection(1)
  t.equal(second.request.headers['last-event-id'], '10')
})

t.test('close() ends the connection and stops reconnecting; ready rejects if it never came', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: server.url, token: TOKEN, reconnectInitialMs: 20 })
  const first = await server.connection(0)
  first.open()
  await feed.close()
  await t.rejects(feed.ready, /closed before it was ready/)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(server.connections.length, 1)
})
