// One spelling per access token (docs/http-api.md, "Refresh token transport": canonical base64url
// only): a token whose segment carries set trailing bits or a stray last character decodes to the
// same bytes, and an ES256 signature (r, s) has a twin (r, n − s) that verifies too. Each such
// respelling of a valid token is refused, and our own ES256 signatures are low-S.
import { readFile } from 'node:fs/promises'
import { createPrivateKey, sign } from 'node:crypto'
import t from 'tap'
import { createAccessTokens } from '../../src/domain/access-tokens.js'
import { loadKeyRing } from '../../src/domain/keys.js'
import { TokenInvalidError } from '../../src/errors.js'
import { ALGORITHMS, base64url, jwsSignature, readForgeKey, tempKeyDir } from '../helpers/access-tokens.js'
import {
  P256_ORDER, es256S, otherES256Signature, trailingBitSpellings, unusedBitsMask, withSegment
} from '../helpers/token-spellings.js'

/** What a compact JWS's signature signs: everything before its last dot. */
function signingInputOf (token: string): string {
  return token.slice(0, token.lastIndexOf('.'))
}

const config = { jwtIssuer: 'http://localhost:3000', jwtAudience: 'api', accessTokenTtl: 900 }
const subject = { userId: 'user-1', sessionId: 'session-1', scope: 'api' }

for (const alg of ALGORITHMS) {
  t.test(`${alg}: a signature with set trailing bits is refused, cached original or not`, async (t) => {
    const keyRing = await loadKeyRing({ jwtAlg: alg, jwtKeysDir: undefined })
    const tokens = createAccessTokens({ keyRing, config, now: Date.now })
    const { token } = tokens.sign(subject)
    const signature = token.split('.')[2] as string
    const spellings = trailingBitSpellings(signature)
    t.ok(spellings.length > 0, `a ${alg} signature has unused trailing bits`)
    for (const spelling of spellings) {
      t.same(Buffer.from(spelling, 'base64url'), Buffer.from(signature, 'base64url'), 'the same signature bytes')
      const respelled = withSegment(token, 2, () => spelling)
      t.throws(() => tokens.verify(respelled), new TokenInvalidError(), `${spelling.slice(-2)} before the original verified`)
    }
    const claims = tokens.verify(token)
    for (const spelling of spellings) {
      t.throws(() => tokens.verify(withSegment(token, 2, () => spelling)), new TokenInvalidError(), `${spelling.slice(-2)} while the original is cached`)
    }
    t.equal(tokens.verify(token), claims, 'the original still verifies, from the cache')
  })
}

/** Base64url of JSON `value`, padded with spaces until its last character has unused bits. */
function segmentWithUnusedBits (value: Record<string, unknown>): string {
  let text = JSON.stringify(value)
  while (unusedBitsMask(base64url(text).length) === 0) text += ' '
  return base64url(text)
}

/** Base64url of JSON `value`, padded with spaces until its length is a multiple of 4. */
function segmentOfWholeGroups (value: Record<string, unknown>): string {
  let text = JSON.stringify(value)
  while (base64url(text).length % 4 !== 0) text += ' '
  return base64url(text)
}

t.test('a header or payload segment spelled another way is refused, even signed by the key', async (t) => {
  const { dir, files } = await tempKeyDir(t, 'EdDSA', ['k1'])
  const keyRing = await loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: dir })
  const key = await readForgeKey('EdDSA', files.get('k1') as string)
  const tokens = createAccessTokens({ keyRing, config, now: Date.now })
  const { claims } = tokens.sign(subject)
  const header = { alg: 'EdDSA', typ: 'at+jwt', kid: 'k1' }
  const signed = (headerSegment: string, payloadSegment: string): string => {
    const input = `${headerSegment}.${payloadSegment}`
    return `${input}.${jwsSignature('EdDSA', key, input)}`
  }

  const headerSegment = segmentWithUnusedBits(header)
  const payloadSegment = segmentWithUnusedBits(claims as unknown as Record<string, unknown>)
  t.ok(tokens.verify(signed(headerSegment, payloadSegment)), 'the canonical spelling, signed, verifies')
  for (const spelling of trailingBitSpellings(headerSegment)) {
    t.throws(() => tokens.verify(signed(spelling, payloadSegment)), new TokenInvalidError(), `header ending ${spelling.slice(-1)}`)
  }
  for (const spelling of trailingBitSpellings(payloadSegment)) {
    t.throws(() => tokens.verify(signed(headerSegment, spelling)), new TokenInvalidError(), `payload ending ${spelling.slice(-1)}`)
  }

  // A lone character after whole 4-character groups holds no byte: Buffer's decoder drops it.
  const wholeHeader = segmentOfWholeGroups(header)
  const wholePayload = segmentOfWholeGroups(claims as unknown as Record<string, unknown>)
  t.ok(tokens.verify(signed(wholeHeader, wholePayload)), 'whole groups, signed, verify')
  t.throws(() => tokens.verify(signed(`${wholeHeader}A`, wholePayload)), new TokenInvalidError(), 'a stray character after the header')
  t.throws(() => tokens.verify(signed(wholeHeader, `${wholePayload}A`)), new TokenInvalidError(), 'a stray character after the payload')
})

t.test('a stray last character after a whole-group HS256 signature is refused', async (t) => {
  const keyRing = await loadKeyRing({ jwtAlg: 'HS256', jwtKeysDir: undefined })
  const tokens = createAccessTokens({ keyRing, config, now: Date.now })
  const { token } = tokens.sign(subject)
  t.equal(token.split('.')[2]?.length, 43, 'an HS256 signature is 43 characters')
  t.throws(() => tokens.verify(`${token}A`), new TokenInvalidError(), 'a 44th character adds a byte')
  t.throws(() => tokens.verify(`${token}AA`), new TokenInvalidError(), 'a 45th one adds none')
})

t.test('ES256: the high-S twin of a valid signature is refused', async (t) => {
  const { dir, files } = await tempKeyDir(t, 'ES256', ['k1'])
  const keyRing = await loadKeyRing({ jwtAlg: 'ES256', jwtKeysDir: dir })
  const tokens = createAccessTokens({ keyRing, config, now: Date.now })
  const key = createPrivateKey(await readFile(files.get('k1') as string))
  for (let i = 0; i < 8; i++) {
    const { token } = tokens.sign(subject)
    const twin = withSegment(token, 2, otherES256Signature)
    t.throws(() => tokens.verify(twin), new TokenInvalidError(), `token ${i}: (r, n - s)`)
    t.ok(tokens.verify(token), `token ${i}: the original verifies`)
  }
  // A high-S signature made by the key itself (not by us) is refused too: low-S is the one spelling.
  let highS: string | undefined
  while (highS === undefined) {
    const input = signingInputOf(tokens.sign(subject).token)
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')
    if (es256S(signature) > P256_ORDER / 2n) highS = `${input}.${signature}`
  }
  t.throws(() => tokens.verify(highS as string), new TokenInvalidError(), 'a high-S signature straight from the key')
})

t.test('ES256: every signature we make is low-S', async (t) => {
  const keyRing = await loadKeyRing({ jwtAlg: 'ES256', jwtKeysDir: undefined })
  const tokens = createAccessTokens({ keyRing, config, now: Date.now })
  const highS = Array.from({ length: 64 }, () => tokens.sign(subject).token)
    .filter((token) => es256S(token.split('.')[2] as string) > P256_ORDER / 2n)
  t.equal(highS.length, 0, 'no high-S signature among 64 (about half would be, unnormalised)')
})
