// The jose verifier applies Rotor's rules (docs/http-api.md, "Access tokens") and then the session
// check: each case is a token that breaks exactly one rule.
import t, { type Test } from 'tap'
import { once } from 'node:events'
import { createRotorGateway, type RotorGateway } from '../../../clients/gateway/index.js'
import { startFakeFeedServer, type FakeFeedServer } from '../../helpers/fake-feed-server.js'
import { AUDIENCE, ISSUER, accessToken, testKey } from '../../helpers/gateway-keys.js'

const until = Math.floor(Date.now() / 1000) + 900
const signing = await testKey('2026-01-01')
const other = await testKey('2026-02-01')
const ecKey = await testKey('ec', 'ES256')

async function gatewayWithFeed (t: Test, onStale: 'accept' | 'reject' = 'accept'): Promise<{ server: FakeFeedServer, gateway: RotorGateway }> {
  const server = await startFakeFeedServer(t)
  server.jwks = { keys: [signing.jwk, ecKey.jwk] }
  const gateway = createRotorGateway({
    url: server.url,
    feedToken: 'feed-token-feed-token-feed-token-0005',
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['EdDSA'],
    onStale,
    // A long cooldown: an unknown kid alone cannot make the key set fetch again, only `keys` can.
    jwks: { cooldownMs: 600_000 },
    feed: { reconnectInitialMs: 20 }
  })
  t.teardown(async () => { await gateway.close() })
  return { server, gateway }
}

t.test('Rotor\'s rules', async (t) => {
  const { server, gateway } = await gatewayWithFeed(t)
  const feed = await server.connection(0)
  feed.open()
  feed.event('ready')
  await gateway.ready

  const claims = await gateway.verify(await accessToken(signing))
  t.match(claims, { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', sid: 'session-1', scope: 'api' })

  const now = Math.floor(Date.now() / 1000)
  const refused: Array<[string, Promise<string>, RegExp]> = [
    ['typ JWT', accessToken(signing, {}, { typ: 'JWT' }), /typ/],
    ['no typ', accessToken(signing, {}, { typ: undefined }), /typ/],
    ['another issuer', accessToken(signing, { iss: 'https://evil.test' }), /iss/],
    ['another audience', accessToken(signing, { aud: 'other' }), /aud/],
    ['an algorithm not configured', accessToken(ecKey), /alg/i],
    ['expired beyond the 5 s leeway', accessToken(signing, { exp: now - 7, iat: now - 100, nbf: now - 100 }), /exp/],
    ['not yet valid beyond the leeway', accessToken(signing, { nbf: now + 60 }), /nbf/],
    ['no jti', accessToken(signing, { jti: undefined }), /jti/],
    ['no scope', accessToken(signing, { scope: undefined }), /scope/],
    ['no sid', accessToken(signing, { sid: undefined }), /sid/],
    ['a sid that is not a string', accessToken(signing, { sid: 42 }), /sid/],
    ['a kid Rotor does not publish', accessToken(other), /no applicable key|matching/i]
  ]
  for (const [name, token, why] of refused) await t.rejects(gateway.verify(await token), why, name)
  t.ok(await gateway.verify(await accessToken(signing, { exp: now - 3, iat: now - 100, nbf: now - 100 })), 'within the leeway')
})

t.test('an ended session: SessionEndedError (401 AUTH_SESSION_ENDED)', async (t) => {
  const { server, gateway } = await gatewayWithFeed(t)
  const feed = await server.connection(0)
  feed.open()
  feed.revoked({ id: '1', sid: 'ended', until })
  feed.event('ready')
  await gateway.ready
  t.ok(gateway.isRevoked('ended'))
  await t.rejects(gateway.verify(await accessToken(signing, { sid: 'ended' })), { name: 'SessionEndedError', code: 'AUTH_SESSION_ENDED', statusCode: 401 })
  t.ok(await gateway.verify(await accessToken(signing, { sid: 'live' })))
})

t.test('onStale reject: FeedStaleError (503) before the feed is ready; a bad token is still a bad token', async (t) => {
  const { server, gateway } = await gatewayWithFeed(t, 'reject')
  await server.connection(0)
  t.ok(gateway.stale)
  await t.rejects(gateway.verify(await accessToken(signing)), { name: 'FeedStaleError', code: 'ROTOR_FEED_STALE', statusCode: 503 })
  await t.rejects(gateway.verify(await accessToken(signing, { aud: 'other' })), /aud/)
})

t.test('event: keys fetches the JWKS at once, so a new kid verifies though the cooldown would forbid a fetch', async (t) => {
  const { server, gateway } = await gatewayWithFeed(t)
  const feed = await server.connection(0)
  feed.open()
  feed.event('ready')
  await gateway.ready
  t.ok(await gateway.verify(await accessToken(signing)))
  const fetchesBefore = server.jwksRequests
  server.jwks = { keys: [signing.jwk, other.jwk] }
  await t.rejects(gateway.verify(await accessToken(other)), /no applicable key|matching/i, 'within the cooldown an unknown kid fetches nothing')
  t.equal(server.jwksRequests, fetchesBefore)
  feed.event('keys')
  await once(gateway.feed, 'keys')
  while (server.jwksRequests === fetchesBefore) await new Promise((resolve) => setTimeout(resolve, 10))
  t.ok(await gateway.verify(await accessToken(other)), 'the new kid verifies')
  t.ok(await gateway.verify(await accessToken(signing)), 'and the old one still does')
})

t.test('options that would weaken verification are refused', async (t) => {
  const base = { url: 'http://127.0.0.1:1', feedToken: 'x'.repeat(32), issuer: ISSUER, audience: AUDIENCE }
  t.throws(() => createRotorGateway({ ...base, algorithms: ['HS256' as 'EdDSA'] }), /algorithms/)
  t.throws(() => createRotorGateway({ ...base, algorithms: [] }), /algorithms/)
  t.throws(() => createRotorGateway({ ...base, algorithms: ['EdDSA'], clockToleranceSeconds: 6 }), /clockToleranceSeconds/)
  t.throws(() => createRotorGateway({ ...base, audience: '', algorithms: ['EdDSA'] }), /audience/)
})
