// GET /auth/revocations (docs/http-api.md, "Revocation feed") on a listening server, on the
// embedded store and on Redis: the JSON poll form, and the event stream with its catch-up, `ready`,
// live events, Last-Event-ID resume (nothing twice), `reset`, keep-alive comments, `keys` on a key
// reload, and a clean end when the server closes.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { generateKeyFile } from '../../src/domain/keys.js'
import { tempKeyDir } from '../helpers/access-tokens.js'
import { Redis } from 'ioredis'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import { revocationFeedKey } from '../../src/store/redis-keys.js'
import { buildTestApp, fileRedisServer, forEachStore, userWithSession, type StoreKind } from '../helpers/app.js'
import { httpRequest } from '../helpers/server-process.js'
import { openSse } from '../helpers/sse-client.js'
import type { AuthStore } from '../../src/store/types.js'

const FEED_TOKEN = 'feed-token-0123456789abcdef0123456789'
const OTHER_FEED_TOKEN = 'another-feed-token-abcdefghijklmnopqrstuv'
const KEEP_ALIVE_MS = 150
const feedAuth = { authorization: `Bearer ${FEED_TOKEN}` }

interface FeedServer {
  app: FastifyInstance
  url: string
}

async function feedServer (t: Test, store: AuthStore, env: Record<string, string> = {}): Promise<FeedServer> {
  const app = await buildTestApp(t, { REVOCATION_FEED_TOKENS: `${FEED_TOKEN},${OTHER_FEED_TOKEN}`, ...env }, { store, revocations: { keepAliveMs: KEEP_ALIVE_MS } })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url }
}

/** Logs a new user in and out (one `logout` revocation); returns the ended session's id. */
async function endedSession (app: FastifyInstance): Promise<{ sid: string, sub: string }> {
  const user = await userWithSession(app)
  const claims = JSON.parse(Buffer.from(user.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'))
  const logout = await app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: user.refreshToken } })
  if (logout.statusCode !== 204) throw new Error(`logout: ${logout.statusCode} ${logout.body}`)
  return { sid: claims.sid, sub: claims.sub }
}

async function poll (server: FeedServer, after?: string) {
  const query = after === undefined ? '' : `?after=${encodeURIComponent(after)}`
  return await httpRequest(`${server.url}/auth/revocations${query}`, { headers: feedAuth })
}

interface PollBody { revocations: Array<{ id: string, sid: string, sub: string, reason: string, at: number, until: number }>, cursor: string }

forEachStore(t, async (t, kind: StoreKind) => {
  t.test('poll: every revocation in force, then only those after the cursor', async (t) => {
    const server = await feedServer(t, await kind.create(t))
    const first = await endedSession(server.app)
    const all = await poll(server)
    t.equal(all.status, 200)
    t.equal(all.headers['cache-control'], 'no-store')
    const body = all.json<PollBody>()
    t.same(Object.keys(body).sort(), ['cursor', 'revocations'])
    t.equal(body.revocations.length, 1)
    const [revocation] = body.revocations
    t.match(revocation, { sid: first.sid, sub: first.sub, reason: 'logout' })
    t.ok(revocation !== undefined && revocation.until > revocation.at, 'until after at')
    const second = await endedSession(server.app)
    const after = (await poll(server, body.cursor)).json<PollBody>()
    t.same(after.revocations.map((r) => r.sid), [second.sid], 'after the cursor: only the new one')
    t.same((await poll(server, after.cursor)).json<PollBody>().revocations, [], 'nothing after the last cursor')
  })

  t.test('stream: catch-up, ready, live events, and a resume that repeats nothing', async (t) => {
    const server = await feedServer(t, await kind.create(t))
    const before = [await endedSession(server.app), await endedSession(server.app)]
    const stream = await openSse(`${server.url}/auth/revocations`, feedAuth)
    t.teardown(() => { stream.close() })
    t.match(stream.headers['content-type'], /^text\/event-stream/)
    t.equal(stream.headers['cache-control'], 'no-store')
    const untilReady = await stream.waitFor((event) => event.event === 'ready')
    t.same(untilReady.filter((e) => e.event !== 'comment').map((e) => e.event), ['revoked', 'revoked', 'ready'], 'the catch-up, then ready')
    t.same(stream.revoked().map((r) => r.sid), before.map((s) => s.sid), 'all in force, oldest first')
    t.equal(untilReady.find((e) => e.event === 'ready')?.data, '{}')
    for (const event of untilReady.filter((e) => e.event === 'revoked')) t.equal(event.id, JSON.parse(event.data).id, 'id: is the revocation id')

    const live = await endedSession(server.app)
    await stream.waitFor((event) => event.event === 'revoked' && JSON.parse(event.data).sid === live.sid)
    const lastSeen = stream.revoked().at(-1)?.id as string
    stream.close()

    // While the reader is away: two more. Resuming from the last id brings exactly those.
    const missed = [await endedSession(server.app), await endedSession(server.app)]
    const resumed = await openSse(`${server.url}/auth/revocations`, { ...feedAuth, 'last-event-id': lastSeen })
    t.teardown(() => { resumed.close() })
    await resumed.waitFor((event) => event.event === 'ready')
    t.same(resumed.revoked().map((r) => r.sid), missed.map((s) => s.sid), 'Last-Event-ID: only what came after it')
    const after = await endedSession(server.app)
    await resumed.waitFor((event) => event.event === 'revoked' && JSON.parse(event.data).sid === after.sid)
    const ids = resumed.revoked().map((r) => r.id)
    t.equal(new Set(ids).size, ids.length, 'no revocation twice')
    t.same([...ids].sort(), ids, 'ids grow in feed order')

    // ?after= works as Last-Event-ID does, and the header wins when both come.
    const byQuery = await openSse(`${server.url}/auth/revocations?after=${encodeURIComponent(lastSeen)}`, feedAuth)
    t.teardown(() => { byQuery.close() })
    await byQuery.waitFor((event) => event.event === 'ready')
    t.same(byQuery.revoked().map((r) => r.sid), [...missed, after].map((s) => s.sid))
  })

  t.test('stream: a comment line while nothing else comes', async (t) => {
    const server = await feedServer(t, await kind.create(t))
    const stream = await openSse(`${server.url}/auth/revocations`, feedAuth)
    t.teardown(() => { stream.close() })
    await stream.waitFor((event) => event.event === 'ready')
    const readyAt = stream.events.length
    await stream.waitFor((event) => event.event === 'comment' && stream.events.indexOf(event) >= readyAt, KEEP_ALIVE_MS * 10)
    await stream.waitFor((event) => event.event === 'comment' && stream.events.indexOf(event) > readyAt + 1, KEEP_ALIVE_MS * 10)
    t.ok(stream.events.slice(readyAt).every((event) => event.event === 'comment'), 'only comments while idle')
  })

  t.test('stream: closing the server ends every stream cleanly and at once', async (t) => {
    const server = await feedServer(t, await kind.create(t))
    const streams = await Promise.all([1, 2, 3].map(async () => await openSse(`${server.url}/auth/revocations`, feedAuth)))
    await Promise.all(streams.map(async (stream) => await stream.waitFor((event) => event.event === 'ready')))
    await server.app.close()
    t.same(await Promise.all(streams.map(async (stream) => await stream.ended)), [true, true, true], 'each response ended, none was cut')
  })
})

/** Opens a stream from `cursor`, which the store no longer reaches back to, and checks it resets. */
async function expectReset (t: Test, server: FeedServer, cursor: string, inForce: string[]): Promise<void> {
  const stream = await openSse(`${server.url}/auth/revocations`, { ...feedAuth, 'last-event-id': cursor })
  t.teardown(() => { stream.close() })
  const events = (await stream.waitFor((event) => event.event === 'ready')).filter((event) => event.event !== 'comment')
  t.same(events.map((event) => event.event), ['reset', ...inForce.map(() => 'revoked'), 'ready'], 'reset first, then all in force, then ready')
  t.equal(events[0]?.data, '{}')
  t.same(stream.revoked().map((r) => r.sid), inForce)
  const polled = (await poll(server, cursor)).json<PollBody>()
  t.same(polled.revocations.map((r) => r.sid), inForce, 'the poll form answers all in force too')
}

t.test('stream: a cursor older than everything kept gets reset, then all in force (embedded store)', async (t) => {
  // The embedded store keeps at most two: the first of three is dropped.
  const store = createMemoryStore({ maxRevocations: 2 })
  t.teardown(async () => { await store.close() })
  const server = await feedServer(t, store)
  const start = (await poll(server)).json<PollBody>().cursor
  const ended = [await endedSession(server.app), await endedSession(server.app), await endedSession(server.app)]
  await expectReset(t, server, start, ended.slice(1).map((s) => s.sid))
})

t.test('stream: a cursor older than everything kept gets reset, then all in force (Redis)', async (t) => {
  const redis = await fileRedisServer(t)
  const prefix = `feed-reset-${process.pid}:`
  const store = createRedisStore({ url: redis.url, prefix })
  t.teardown(async () => { await store.close() })
  const server = await feedServer(t, store)
  const start = (await poll(server)).json<PollBody>().cursor
  const ended = [await endedSession(server.app), await endedSession(server.app), await endedSession(server.app)]
  const ids = (await poll(server)).json<PollBody>().revocations.map((r) => r.id)
  // What the store's own trimming does (XDEL) once entries are out of force, done now for the first.
  const inspector = new Redis(redis.url)
  t.teardown(() => { inspector.disconnect() })
  const first = (ids[0] as string).replace(/^0+(?=\d)/, '').replace(/-0+(?=\d)/, '-')
  t.equal(await inspector.xdel(revocationFeedKey(prefix), first), 1)
  await expectReset(t, server, start, ended.slice(1).map((s) => s.sid))
})

t.test('stream: many readers on one instance cost one store reader (Redis)', async (t) => {
  const READERS = 20
  const redis = await fileRedisServer(t)
  const store = createRedisStore({ url: redis.url, prefix: `feed-fan-out-${process.pid}:` })
  t.teardown(async () => { await store.close() })
  const server = await feedServer(t, store)
  const inspector = new Redis(redis.url)
  t.teardown(() => { inspector.disconnect() })
  const calls = async (): Promise<{ scripts: number, xread: number }> => {
    const stats = await inspector.info('commandstats')
    const of = (command: string): number => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)
    return { scripts: of('evalsha') + of('eval'), xread: of('xread') }
  }
  const user = await userWithSession(server.app)
  // One revocation in force, so a catch-up ends with its first page (an empty page that moved the
  // cursor asks for another: the store may have stopped scanning a long run of lapsed entries).
  await endedSession(server.app)
  // Count from a quiet moment: the follower reads that revocation and goes back to its blocking
  // wait on its own schedule, and those reads are not the readers'. Quiet: no call for 100 ms.
  let beforeOpening = await calls()
  for (let settled = false; !settled;) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const now = await calls()
    settled = now.scripts === beforeOpening.scripts && now.xread === beforeOpening.xread
    beforeOpening = now
  }
  const readers = await Promise.all(Array.from({ length: READERS }, async () => await openSse(`${server.url}/auth/revocations`, feedAuth)))
  t.teardown(() => { for (const reader of readers) reader.close() })
  await Promise.all(readers.map(async (reader) => await reader.waitFor((event) => event.event === 'ready')))
  const opened = await calls()
  // The follower's own next wait (one read, one blocking XREAD) may fall in the same window.
  const catchUpReads = opened.scripts - beforeOpening.scripts
  t.ok(catchUpReads >= READERS && catchUpReads <= READERS + 1, `${catchUpReads} reads for ${READERS} new readers: one catch-up read each`)
  t.ok(opened.xread - beforeOpening.xread <= 1, 'no reader waits on the store itself')

  const sid = JSON.parse(Buffer.from(user.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')).sid as string
  t.equal((await server.app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: user.refreshToken } })).statusCode, 204)
  await Promise.all(readers.map(async (reader) => await reader.waitFor((event) => event.event === 'revoked' && JSON.parse(event.data).sid === sid)))
  const after = await calls()
  // The logout itself (its per-IP count and the script that ends the session), then the follower's
  // wake-up, its page read and its next wait: the same whether one reader follows or twenty.
  const spent = (after.scripts - opened.scripts) + (after.xread - opened.xread)
  t.ok(spent <= 6, `${spent} store calls for the logout and its delivery to ${READERS} readers`)
  const clients = await inspector.client('LIST') as string
  t.equal(clients.split('\n').filter((line) => line.includes('name=rotor-revocations')).length, 1, 'one blocking reader connection')
})

t.test('stream: a key reload is announced with event: keys', async (t) => {
  const keys = await tempKeyDir(t, 'EdDSA', ['2026-01-01'])
  const app = await buildTestApp(t, { REVOCATION_FEED_TOKENS: FEED_TOKEN, JWT_KEYS_DIR: keys.dir })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const stream = await openSse(`${url}/auth/revocations`, feedAuth)
  t.teardown(() => { stream.close() })
  await stream.waitFor((event) => event.event === 'ready')
  await generateKeyFile('EdDSA', keys.dir, '2026-02-01')
  t.equal(await app.reloadKeys(), true)
  const [keysEvent] = (await stream.waitFor((event) => event.event === 'keys')).slice(-1)
  t.equal(keysEvent?.data, '{}')
})

t.test('the feed needs a feed token, in constant-time comparison, and is not rate limited', async (t) => {
  const app = await buildTestApp(t, { REVOCATION_FEED_TOKENS: `${FEED_TOKEN},${OTHER_FEED_TOKEN}`, RATE_LIMIT_PER_MINUTE: '2' })
  const refusals: Record<string, Record<string, string>> = {
    'no Authorization': {},
    'a wrong token': { authorization: `Bearer ${FEED_TOKEN.slice(0, -1)}x` },
    'a prefix of a token': { authorization: `Bearer ${FEED_TOKEN.slice(0, 32)}` },
    'another scheme': { authorization: `Basic ${FEED_TOKEN}` },
    'an access token': { authorization: `Bearer ${(await userWithSession(app)).accessToken}` }
  }
  for (const [name, headers] of Object.entries(refusals)) {
    const answer = await app.inject({ method: 'GET', url: '/auth/revocations', headers })
    t.equal(answer.statusCode, 401, `${name}: 401`)
    t.equal(answer.json().code, 'AUTH_FEED_UNAUTHORIZED', `${name}: AUTH_FEED_UNAUTHORIZED`)
    t.match(answer.headers['www-authenticate'], /^Bearer realm="rotor-revocations"/, `${name}: WWW-Authenticate: Bearer`)
    t.same(Object.keys(answer.json()).sort(), ['code', 'error', 'message', 'statusCode'])
  }
  t.notMatch((await app.inject({ method: 'GET', url: '/auth/revocations' })).headers['www-authenticate'], /error=/, 'no error attribute without a credential (RFC 6750 §3.1)')
  for (let i = 0; i < 5; i++) {
    for (const token of [FEED_TOKEN, OTHER_FEED_TOKEN, FEED_TOKEN.toLowerCase()]) {
      const answer = await app.inject({ method: 'GET', url: '/auth/revocations', headers: { authorization: `bearer ${token}` } })
      t.equal(answer.statusCode, 200, `request ${i + 1} with a feed token is served: over RATE_LIMIT_PER_MINUTE=2, nothing counts`)
      t.equal(answer.headers['x-ratelimit-limit'], undefined, 'no rate-limit headers')
    }
  }
})

t.test('a cursor that is not one is refused with 400, saying what a cursor is', async (t) => {
  const app = await buildTestApp(t, { REVOCATION_FEED_TOKENS: FEED_TOKEN })
  for (const [where, request] of [
    ['after', { url: '/auth/revocations?after=yesterday' }],
    ['Last-Event-ID', { url: '/auth/revocations', headers: { 'last-event-id': '12 monkeys', accept: 'text/event-stream' } }]
  ] as const) {
    const answer = await app.inject({ method: 'GET', ...request, headers: { ...feedAuth, ...('headers' in request ? request.headers : {}) } })
    t.equal(answer.statusCode, 400, `${where}: 400`)
    t.equal(answer.json().code, 'AUTH_BAD_REQUEST')
    t.match(answer.json().message, new RegExp(`^${where} must be a cursor of this feed: the id of a revoked event, or the cursor of an earlier answer`))
  }
  const unknown = await app.inject({ method: 'GET', url: '/auth/revocations?after=1-0&since=1', headers: feedAuth })
  t.equal(unknown.statusCode, 400, 'an unknown query parameter is refused')
  t.equal(unknown.json().code, 'FST_ERR_VALIDATION')
})

t.test('without REVOCATION_FEED_TOKENS the feed answers 404', async (t) => {
  const app = await buildTestApp(t)
  const answer = await app.inject({ method: 'GET', url: '/auth/revocations', headers: feedAuth })
  t.equal(answer.statusCode, 404)
  t.equal(answer.json().code, 'FST_ERR_NOT_FOUND')
})
