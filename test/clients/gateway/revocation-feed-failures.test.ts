// Failed connections are retried with growing, jittered delays; a refused feed token, a wrong
// answer and a silent connection are each reported and retried.
import t from 'tap'
import { once } from 'node:events'
import { RevocationFeed, type DisconnectInfo } from '../../../clients/gateway/index.js'
import { startFakeFeedServer } from '../../helpers/fake-feed-server.js'

const TOKEN = 'feed-token-feed-token-feed-token-0003'

t.test('a refused token is reported with the status, retried with doubling delays, which start over after a ready', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: server.url, token: TOKEN, reconnectInitialMs: 10, reconnectMaxMs: 80 })
  t.teardown(async () => { await feed.close() })
  const disconnects: DisconnectInfo[] = []
  feed.on('disconnected', (info) => { disconnects.push(info) })
  for (let i = 0; i < 6; i++) {
    const connection = await server.connection(i)
    connection.response.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"AUTH_FEED_UNAUTHORIZED"}')
  }
  const healthy = await server.connection(6)
  t.equal(disconnects.length, 6)
  t.ok(disconnects.every(({ error }) => error.name === 'FeedHttpError' && (error as unknown as { status: number }).status === 401))
  t.match(disconnects[0]?.error.message, /REVOCATION_FEED_TOKENS/)
  const ceilings = [10, 20, 40, 80, 80, 80]
  disconnects.forEach(({ retryInMs }, i) => {
    const ceiling = ceilings[i] as number
    t.ok(retryInMs >= ceiling / 2 && retryInMs <= ceiling, `retry ${i}: ${retryInMs} ms within [${ceiling / 2}, ${ceiling}]`)
  })

  healthy.open()
  healthy.event('ready')
  await feed.ready
  healthy.destroy()
  const [info] = await once(feed, 'disconnected') as [DisconnectInfo]
  t.ok(info.retryInMs <= 10, 'after a connection that caught up, the first retry is quick again')
})

t.test('a 404 says the feed is off on Rotor', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: server.url, token: TOKEN, reconnectInitialMs: 1000 })
  t.teardown(async () => { await feed.close() })
  ;(await server.connection(0)).response.writeHead(404).end()
  const [info] = await once(feed, 'disconnected') as [DisconnectInfo]
  t.match(info.error.message, /404.*REVOCATION_FEED_TOKENS is unset/)
})

t.test('an answer that is not an event stream is refused', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: server.url, token: TOKEN, reconnectInitialMs: 1000 })
  t.teardown(async () => { await feed.close() })
  ;(await server.connection(0)).response.writeHead(200, { 'content-type': 'application/json' }).end('{"revocations":[],"cursor":"0"}')
  const [info] = await once(feed, 'disconnected') as [DisconnectInfo]
  t.equal(info.error.name, 'FeedProtocolError')
})

t.test('a connection silent past the timeout is dropped and made again; comments keep it alive', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: server.url, token: TOKEN, silenceTimeoutMs: 300, reconnectInitialMs: 10 })
  t.teardown(async () => { await feed.close() })
  const first = await server.connection(0)
  first.open()
  first.event('ready')
  await feed.ready
  // Comments every 100 ms for a second: three times the timeout, and no reconnection.
  for (let i = 0; i < 10; i++) {
    first.write(': keep-alive\n\n')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(server.connections.length, 1)
  t.ok(feed.connected)
  const [info] = await once(feed, 'disconnected') as [DisconnectInfo]
  t.equal(info.error.name, 'FeedSilentError')
  const second = await server.connection(1)
  t.ok(second)
})

t.test('a server that never answers the request is given up on after the silence timeout', async (t) => {
  const server = await startFakeFeedServer(t)
  const feed = new RevocationFeed({ url: server.url, token: TOKEN, silenceTimeoutMs: 200, reconnectInitialMs: 10 })
  t.teardown(async () => { await feed.close() })
  await server.connection(0)
  const [info] = await once(feed, 'disconnected') as [DisconnectInfo]
  t.equal(info.error.name, 'FeedSilentError')
  await server.connection(1)
})

t.test('bad options are refused at construction', async (t) => {
  t.throws(() => new RevocationFeed({ url: 'http://127.0.0.1:1', token: '' }), /feed token/)
  t.throws(() => new RevocationFeed({ url: 'http://127.0.0.1:1', token: TOKEN, onStale: 'maybe' as 'accept' }), /onStale/)
  t.throws(() => new RevocationFeed({ url: 'http://127.0.0.1:1', token: TOKEN, staleAfterMs: -1 }), /staleAfterMs/)
})
