// Eviction over many rounds (src/domain/verified-token-cache.ts walks one long-lived iterator instead of
// starting a new one per eviction): whatever the cache has been through, it holds the newest
// entries, a re-used entry outlives its neighbours, and a key reload starts it afresh.
import t from 'tap'
import { createAccessTokens } from '../../src/domain/access-tokens.js'
import { generateKeyFile, loadKeyRing } from '../../src/domain/keys.js'
import { tempKeyDir } from '../helpers/access-tokens.js'

const config = { jwtIssuer: 'http://localhost:3000', jwtAudience: 'api', accessTokenTtl: 900 }
const subject = { userId: 'user-1', sessionId: 'session-1', scope: 'api' }
const CACHE_SIZE = 4

async function setup (t: { teardown (fn: () => unknown): void }) {
  const { dir } = await tempKeyDir(t, 'EdDSA', ['k1'])
  const keyRing = await loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: dir })
  const tokens = createAccessTokens({ keyRing, config, now: Date.now, cacheSize: CACHE_SIZE })
  return { dir, keyRing, tokens }
}

t.test('after many evictions the newest entries are cached and older ones are not', async (t) => {
  const { tokens } = await setup(t)
  const signed = Array.from({ length: 30 }, () => tokens.sign(subject).token)
  const first = signed.map((token) => tokens.verify(token))
  const newest = signed.length - CACHE_SIZE
  for (let i = newest; i < signed.length; i++) t.equal(tokens.verify(signed[i] as string), first[i], `token ${i} is a hit`)
  t.not(tokens.verify(signed[newest - 1] as string), first[newest - 1], 'the one before them was evicted')
})

t.test('a token used again while others come and go is kept', async (t) => {
  const { tokens } = await setup(t)
  const kept = tokens.sign(subject).token
  const keptClaims = tokens.verify(kept)
  for (let round = 0; round < 20; round++) {
    tokens.verify(tokens.sign(subject).token)
    t.equal(tokens.verify(kept), keptClaims, `round ${round}`)
  }
})

t.test('evictions carry on correctly after a reload empties the cache', async (t) => {
  const { dir, keyRing, tokens } = await setup(t)
  for (let i = 0; i < 10; i++) tokens.verify(tokens.sign(subject).token)
  await generateKeyFile('EdDSA', dir, 'k2')
  await keyRing.reload()
  const signed = Array.from({ length: 10 }, () => tokens.sign(subject).token)
  const first = signed.map((token) => tokens.verify(token))
  for (let i = signed.length - CACHE_SIZE; i < signed.length; i++) t.equal(tokens.verify(signed[i] as string), first[i], `token ${i} is a hit`)
  t.not(tokens.verify(signed[0] as string), first[0], 'the oldest was evicted')
})
