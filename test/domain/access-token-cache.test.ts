// The verified-token cache answers repeats with a map lookup, yet never outlives what it caches: the
// token's exp (+ leeway), its kid's presence in the ring, and the revocation hook. A hit returns
// the very claims object the first verification froze, which is how these tests tell hit from miss.
import { rm } from 'node:fs/promises'
import t from 'tap'
import { createAccessTokens, CLOCK_LEEWAY_MS } from '../../src/domain/access-tokens.js'
import { generateKeyFile, loadKeyRing } from '../../src/domain/keys.js'
import { SessionEndedError, TokenExpiredError, TokenInvalidError } from '../../src/errors.js'
import { tempKeyDir } from '../helpers/access-tokens.js'

const config = { jwtIssuer: 'http://localhost:3000', jwtAudience: 'api', accessTokenTtl: 900 }
const subject = { userId: 'user-1', sessionId: 'session-1', scope: 'api' }

async function setup (t: { teardown (fn: () => unknown): void }, kids = ['k1']) {
  const { dir, files } = await tempKeyDir(t, 'EdDSA', kids)
  const keyRing = await loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: dir })
  const clock = { now: Date.UTC(2030, 0, 1) }
  const tokens = createAccessTokens({ keyRing, config, now: () => clock.now, cacheSize: 3 })
  return { dir, files, keyRing, clock, tokens }
}

t.test('a cached verification stops at exp, leeway included', async (t) => {
  const { clock, tokens } = await setup(t)
  const { token, claims } = tokens.sign(subject)
  const first = tokens.verify(token)
  t.ok(Object.isFrozen(first))
  clock.now = claims.exp * 1000 + CLOCK_LEEWAY_MS - 1
  t.equal(tokens.verify(token), first, 'still a hit within the leeway')
  clock.now += 1
  t.throws(() => tokens.verify(token), new TokenExpiredError())
  t.throws(() => tokens.verify(token), new TokenExpiredError(), 'and expired on the full path too')
})

t.test('a cached verification fails once its kid leaves the ring', async (t) => {
  const { dir, files, keyRing, tokens } = await setup(t)
  const { token } = tokens.sign(subject)
  const first = tokens.verify(token)
  t.equal(tokens.verify(token), first, 'cached')

  await generateKeyFile('EdDSA', dir, 'k2')
  await keyRing.reload()
  const again = tokens.verify(token)
  t.not(again, first, 'a reload drops the cache even when the kid stays')
  t.same(again, first)

  await rm(files.get('k1') as string)
  await keyRing.reload()
  t.throws(() => tokens.verify(token), new TokenInvalidError())
  t.ok(tokens.verify(tokens.sign(subject).token), 'the remaining kid signs and verifies')
})

t.test('the revocation hook runs on cached verifications too', async (t) => {
  const { tokens } = await setup(t)
  const { token } = tokens.sign(subject)
  const other = tokens.sign({ ...subject, sessionId: 'session-2' }).token
  tokens.verify(token)
  tokens.verify(other)
  tokens.setSessionRevocationCheck((claims) => claims.sid === 'session-1')
  t.throws(() => tokens.verify(token), new SessionEndedError())
  t.ok(tokens.verify(other))
})

t.test('the cache is bounded and lets the least recently used token go first', async (t) => {
  const { tokens } = await setup(t)
  const [a, b, c, d] = [1, 2, 3, 4].map(() => tokens.sign(subject).token) as [string, string, string, string]
  const firstA = tokens.verify(a)
  const firstB = tokens.verify(b)
  tokens.verify(c)
  t.equal(tokens.verify(a), firstA, 'a used again: now the most recent')
  tokens.verify(d)
  t.equal(tokens.verify(a), firstA, 'a kept')
  t.not(tokens.verify(b), firstB, 'b, least recently used, was evicted and verified afresh')
})

t.test('failures are not cached: a token not yet valid becomes valid with time', async (t) => {
  const { clock, tokens } = await setup(t)
  const start = clock.now
  clock.now = start + 60_000
  const { token } = tokens.sign(subject)
  clock.now = start
  t.throws(() => tokens.verify(token), new TokenInvalidError())
  clock.now = start + 60_000
  t.ok(tokens.verify(token))
})

t.test('a cached token lends nothing to another token with the same signature', async (t) => {
  const { tokens } = await setup(t)
  const { token } = tokens.sign(subject)
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const first = tokens.verify(token)
  const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'admin' })).toString('base64url')
  t.throws(() => tokens.verify(`${header}.${forgedPayload}.${signature}`), new TokenInvalidError())
  t.equal(tokens.verify(token), first, 'and the genuine token stays cached')
})
