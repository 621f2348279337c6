// The Fastify gateway plugin: @fastify/jwt with Rotor's rules, its key from the JWKS and its
// `trusted` hook the revocation check. Each case is one request through inject().
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { once } from 'node:events'
import rotorGateway, { SESSION_ENDED_MESSAGE, type RotorFastifyGatewayOptions } from '../../../clients/fastify-gateway/index.js'
import { freePort } from '../../../bench/lib/redis-server.js'
import { startFakeFeedServer, type FakeFeedServer } from '../../helpers/fake-feed-server.js'
import { AUDIENCE, ISSUER, accessToken, testKey } from '../../helpers/gateway-keys.js'

const until = Math.floor(Date.now() / 1000) + 900
const signing = await testKey('2026-01-01')
const next = await testKey('2026-02-01')
const ecKey = await testKey('ec', 'ES256')

async function gatewayApp (t: Test, options: Partial<RotorFastifyGatewayOptions> = {}, ready = true): Promise<{ app: FastifyInstance, server: FakeFeedServer }> {
  const server = await startFakeFeedServer(t)
  server.jwks = { keys: [signing.jwk, ecKey.jwk] }
  const app = Fastify()
  t.teardown(async () => { await app.close() })
  await app.register(rotorGateway, {
    url: server.url,
    feedToken: 'feed-token-feed-token-feed-token-0006',
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['EdDSA'],
    jwks: { cooldownMs: 600_000 },
    feed: { reconnectInitialMs: 20 },
    ...options
  })
  app.get('/protected', { onRequest: app.requireAccessToken }, async (request) => ({ user: request.user }))
  await app.ready()
  if (ready) {
    const feed = await server.connection(0)
    feed.open()
    feed.revoked({ id: '1', sid: 'ended', until })
    feed.event('ready')
    await app.rotorGateway.ready
  }
  return { app, server }
}

async function get (app: FastifyInstance, token?: string): Promise<{ statusCode: number, body: Record<string, unknown> }> {
  const answer = await app.inject({ url: '/protected', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  return { statusCode: answer.statusCode, body: answer.json() }
}

t.test('a live session passes with its claims as request.user; an ended one is refused', async (t) => {
  const { app } = await gatewayApp(t)
  const ok = await get(app, await accessToken(signing, { sid: 'live' }))
  t.equal(ok.statusCode, 200)
  t.match(ok.body, { user: { sub: 'user-1', sid: 'live', iss: ISSUER, aud: AUDIENCE } })
  const ended = await get(app, await accessToken(signing, { sid: 'ended' }))
  t.same(ended, { statusCode: 401, body: { statusCode: 401, code: 'FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED', error: 'Unauthorized', message: SESSION_ENDED_MESSAGE } })
  t.equal((await get(app)).body.code, 'FST_JWT_NO_AUTHORIZATION_IN_HEADER')
})

t.test('Rotor\'s rules through @fastify/jwt', async (t) => {
  const { app } = await gatewayApp(t)
  const now = Math.floor(Date.now() / 1000)
  const cases: Array<[string, Promise<string>, string]> = [
    ['typ JWT', accessToken(signing, {}, { typ: 'JWT' }), 'FST_JWT_AUTHORIZATION_TOKEN_INVALID'],
    ['another issuer', accessToken(signing, { iss: 'https://evil.test' }), 'FST_JWT_AUTHORIZATION_TOKEN_INVALID'],
    ['another audience', accessToken(signing, { aud: 'other' }), 'FST_JWT_AUTHORIZATION_TOKEN_INVALID'],
    ['expired beyond the leeway', accessToken(signing, { exp: now - 7, iat: now - 100, nbf: now - 100 }), 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED'],
    ['no sid', accessToken(signing, { sid: undefined }), 'FST_JWT_AUTHORIZATION_TOKEN_INVALID'],
    ['no jti', accessToken(signing, { jti: undefined }), 'FST_JWT_AUTHORIZATION_TOKEN_INVALID'],
    ['a sid that is not a string', accessToken(signing, { sid: 7 }), 'FST_JWT_AUTHORIZATION_TOKEN_INVALID'],
    ['an algorithm not configured, with a published key', accessToken(ecKey), 'FST_JWT_AUTHORIZATION_TOKEN_INVALID'],
    ['a kid not published', accessToken(next), 'FST_JWT_AUTHORIZATION_TOKEN_INVALID'],
    ['exp not a number', accessToken(signing, { exp: String(now + 900) }), 'FST_JWT_AUTHORIZATION_TOKEN_INVALID'],
    ['iat not a number', accessToken(signing, { iat: 'yesterday' }), 'FST_JWT_AUTHORIZATION_TOKEN_INVALID']
  ]
  for (const [name, token, code] of cases) {
    const answer = await get(app, await token)
    t.same([answer.statusCode, answer.body.code], [401, code], name)
  }
  t.equal((await get(app, await accessToken(signing, { exp: now - 3, iat: now - 100, nbf: now - 100 }))).statusCode, 200, 'within the 5 s leeway')
})

t.test('onStale reject: 503 ROTOR_FEED_STALE while the feed has not caught up', async (t) => {
  const { app } = await gatewayApp(t, { onStale: 'reject' }, false)
  const answer = await get(app, await accessToken(signing))
  t.same([answer.statusCode, answer.body.code], [503, 'ROTOR_FEED_STALE'])
})

t.test('onStale accept (the default): tokens pass while the feed has not caught up', async (t) => {
  const { app } = await gatewayApp(t, {}, false)
  t.ok(app.rotorGateway.stale)
  t.equal((await get(app, await accessToken(signing))).statusCode, 200)
})

t.test('the JWKS unreachable: 503, not 401', async (t) => {
  const { app } = await gatewayApp(t, { jwksUrl: `http://127.0.0.1:${await freePort()}/.well-known/jwks.json` })
  const answer = await get(app, await accessToken(signing))
  t.same([answer.statusCode, answer.body.code], [503, 'ROTOR_JWKS_UNAVAILABLE'])
})

t.test('a trusted hook of the user runs after the revocation check', async (t) => {
  const seen: string[] = []
  const { app } = await gatewayApp(t, { trusted: (_request, payload) => { seen.push(String(payload.sid)); return payload.sub !== 'banned' } })
  t.equal((await get(app, await accessToken(signing, { sub: 'banned', sid: 's-banned' }))).statusCode, 401)
  t.equal((await get(app, await accessToken(signing, { sid: 'fine' }))).statusCode, 200)
  t.equal((await get(app, await accessToken(signing, { sid: 'ended' }))).statusCode, 401)
  t.same(seen, ['s-banned', 'fine'], 'not asked about an ended session')
})

t.test('event: keys makes a new kid verify at once', async (t) => {
  const { app, server } = await gatewayApp(t)
  t.equal((await get(app, await accessToken(signing))).statusCode, 200)
  server.jwks = { keys: [signing.jwk, next.jwk] }
  t.equal((await get(app, await accessToken(next))).statusCode, 401, 'unknown until Rotor says its keys changed')
  const fetches = server.jwksRequests
  server.connections[0]?.event('keys')
  await once(app.rotorGateway.feed, 'keys')
  while (server.jwksRequests === fetches) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal((await get(app, await accessToken(next))).statusCode, 200)
})

t.test('closing the app closes the feed', async (t) => {
  const { app, server } = await gatewayApp(t)
  await app.close()
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(server.connections.length, 1)
  t.ok(server.connections[0]?.response.destroyed || server.connections[0]?.request.destroyed)
})
