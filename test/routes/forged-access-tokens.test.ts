// The forged-token table: every way a token can be bad, for each JWT_ALG, answers 401 with
// the right code and a WWW-Authenticate: Bearer challenge (RFC 6750 §3). Valid rows sit beside
// them so each mutation is known to be the only reason for the refusal.
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import t from 'tap'
import type { JwtAlgorithm } from '../../src/config.js'
import { generateKeyMaterial } from '../../src/domain/keys.js'
import { ALGORITHMS, PROTECTED_URL, bearerApp, base64url, forge, tempKeyDir, type ForgeKey } from '../helpers/access-tokens.js'

const ISS = 'http://localhost:3000'
const AUD = 'api'
const START_MS = Date.UTC(2030, 0, 1)
const NOW = START_MS / 1000

interface Context {
  alg: JwtAlgorithm
  key: ForgeKey
  /** A key of the same algorithm that is not in the ring. */
  otherKey: ForgeKey
  /** The ring key's public half (asymmetric algorithms only). */
  publicPem: string
  publicJwk: Record<string, unknown>
  header (extra?: Record<string, unknown>, without?: string): Record<string, unknown>
  payload (extra?: Record<string, unknown>, without?: string): Record<string, unknown>
  sign (header: Record<string, unknown> | string, payload: Record<string, unknown> | string): string
}

type Expect = 200 | 'AUTH_TOKEN_INVALID' | 'AUTH_TOKEN_EXPIRED' | 'AUTH_TOKEN_MISSING'
interface Row {
  name: string
  /** The Authorization header; null sends none. */
  authorization: (ctx: Context) => string | null
  expect: Expect
  only?: (alg: JwtAlgorithm) => boolean
}

const bearer = (token: (ctx: Context) => string) => (ctx: Context) => `Bearer ${token(ctx)}`
const row = (name: string, expect: Expect, token: (ctx: Context) => string, only?: Row['only']): Row => ({ name, expect, authorization: bearer(token), only })
const asymmetric = (alg: JwtAlgorithm): boolean => alg !== 'HS256'
const SIGNATURE_BYTES: Record<JwtAlgorithm, number> = { EdDSA: 64, ES256: 64, RS256: 256, HS256: 32 }
const CLAIMS = ['iss', 'aud', 'sub', 'iat', 'nbf', 'exp', 'jti', 'sid', 'scope']

const rows: Row[] = [
  row('a valid token (control)', 200, (c) => c.sign(c.header(), c.payload())),
  { name: 'a lower-case scheme (control, RFC 7235 §2.1)', expect: 200, authorization: (c) => `bearer ${c.sign(c.header(), c.payload())}` },
  { name: 'several spaces after the scheme (control)', expect: 200, authorization: (c) => `Bearer   ${c.sign(c.header(), c.payload())}` },
  row('exp passed by less than the leeway (control)', 200, (c) => c.sign(c.header(), c.payload({ exp: NOW - 4 }))),
  row('nbf and iat ahead by less than the leeway (control)', 200, (c) => c.sign(c.header(), c.payload({ nbf: NOW + 4, iat: NOW + 4 }))),
  row('unknown extra claims and headers (control)', 200, (c) => c.sign(c.header({ cty: 'x' }), c.payload({ extra: 1 }))),

  // --- Headers ---------------------------------------------------------------------------------
  ...['none', 'None', 'NONE', 'nOnE'].map((alg) => row(`alg ${alg}, unsigned`, 'AUTH_TOKEN_INVALID', (c) => forge(c.header({ alg }), c.payload()))),
  row('alg none, with a signature', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ alg: 'none' }), c.payload())),
  row('HS256 signed with the public key (PEM)', 'AUTH_TOKEN_INVALID', (c) => forge(c.header({ alg: 'HS256' }), c.payload(), c.publicPem), asymmetric),
  row('HS256 signed with the public key (JWK)', 'AUTH_TOKEN_INVALID', (c) => forge(c.header({ alg: 'HS256' }), c.payload(), JSON.stringify(c.publicJwk)), asymmetric),
  row('another algorithm (HS512)', 'AUTH_TOKEN_INVALID', (c) => forge(c.header({ alg: 'HS512' }), c.payload(), randomBytes(64), 'HS256')),
  row('alg missing', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({}, 'alg'), c.payload())),
  row('unknown kid', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ kid: 'k-unknown' }), c.payload())),
  row('missing kid', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({}, 'kid'), c.payload())),
  row('kid not a string', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ kid: 1 }), c.payload())),
  row('kid of the ring, key that is not', 'AUTH_TOKEN_INVALID', (c) => forge(c.header(), c.payload(), c.otherKey)),
  row('embedded jwk of the signer\'s own key', 'AUTH_TOKEN_INVALID', (c) => forge(c.header({ jwk: c.publicJwk }, 'kid'), c.payload(), c.otherKey), asymmetric),
  row('embedded jwk beside a good signature', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ jwk: { kty: 'oct', k: 'AAAA' } }), c.payload())),
  row('jku header', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ jku: 'https://evil.example/jwks.json' }), c.payload())),
  row('x5u header', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ x5u: 'https://evil.example/cert.pem' }), c.payload())),
  row('x5c header', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ x5c: ['MIIB'] }), c.payload())),
  row('crit naming a registered header', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ crit: ['exp'] }), c.payload())),
  row('crit naming an extension', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ crit: ['x-ext'], 'x-ext': 1 }), c.payload())),
  row('typ JWT', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ typ: 'JWT' }), c.payload())),
  row('typ in upper case', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ typ: 'AT+JWT' }), c.payload())),
  row('typ as a media type', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({ typ: 'application/at+jwt' }), c.payload())),
  row('typ missing', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header({}, 'typ'), c.payload())),
  row('header not JSON', 'AUTH_TOKEN_INVALID', (c) => c.sign('{"alg":', c.payload())),
  row('header a JSON array', 'AUTH_TOKEN_INVALID', (c) => c.sign('["at+jwt"]', c.payload())),

  // --- Claims --------------------------------------------------------------------------------
  row('iss of another issuer', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload({ iss: 'https://evil.example' }))),
  row('iss as an array', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload({ iss: [ISS] }))),
  row('aud of another audience', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload({ aud: 'other-api' }))),
  row('aud as an array holding ours', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload({ aud: [AUD] }))),
  row('aud as an array holding ours and another', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload({ aud: [AUD, 'other-api'] }))),
  row('expired', 'AUTH_TOKEN_EXPIRED', (c) => c.sign(c.header(), c.payload({ iat: NOW - 1000, nbf: NOW - 1000, exp: NOW - 60 }))),
  row('expired by exactly the leeway', 'AUTH_TOKEN_EXPIRED', (c) => c.sign(c.header(), c.payload({ exp: NOW - 5 }))),
  row('nbf in the future', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload({ nbf: NOW + 60 }))),
  row('iat in the future', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload({ iat: NOW + 60 }))),
  ...CLAIMS.map((claim) => row(`${claim} missing`, 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload({}, claim)))),
  ...([
    ['sub', 123], ['sub', ''], ['sid', null], ['sid', ''], ['jti', {}], ['jti', ''], ['scope', ['api']], ['scope', ''],
    ['iat', String(NOW)], ['nbf', true], ['exp', String(NOW + 600)], ['exp', null], ['iss', 1], ['aud', null]
  ] as Array<[string, unknown]>).map(([claim, value]) => row(`${claim} of the wrong type: ${JSON.stringify(value)}`, 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload({ [claim]: value })))),
  row('exp that JSON turns into Infinity', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), JSON.stringify(c.payload()).replace(/"exp":\d+/, '"exp":1e999'))),
  row('payload not JSON', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), '{"sub":')),
  row('payload a JSON array', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), '[1]')),

  // --- Signatures and shape ------------------------------------------------------------------
  row('a signature of zeros', 'AUTH_TOKEN_INVALID', (c) => `${c.sign(c.header(), c.payload()).split('.').slice(0, 2).join('.')}.${base64url(Buffer.alloc(SIGNATURE_BYTES[c.alg]))}`),
  row('no signature', 'AUTH_TOKEN_INVALID', (c) => `${c.sign(c.header(), c.payload()).split('.').slice(0, 2).join('.')}.`),
  row('a payload changed after signing', 'AUTH_TOKEN_INVALID', (c) => {
    const [header, , signature] = c.sign(c.header(), c.payload()).split('.')
    return `${header ?? ''}.${base64url(JSON.stringify(c.payload({ sub: 'admin' })))}.${signature ?? ''}`
  }),
  row('a token of 60 kB', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload({ pad: 'x'.repeat(45_000) }))),
  row('characters outside base64url', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload()).replace('.', '+.')),
  row('garbage', 'AUTH_TOKEN_INVALID', () => 'garbage'),
  row('two dots and nothing else', 'AUTH_TOKEN_INVALID', () => '..'),
  row('two segments', 'AUTH_TOKEN_INVALID', (c) => c.sign(c.header(), c.payload()).split('.').slice(0, 2).join('.')),
  row('four segments', 'AUTH_TOKEN_INVALID', (c) => `${c.sign(c.header(), c.payload())}.AAAA`),

  // --- The Authorization header --------------------------------------------------------------
  { name: 'no Authorization header', expect: 'AUTH_TOKEN_MISSING', authorization: () => null },
  { name: 'an empty Authorization header', expect: 'AUTH_TOKEN_MISSING', authorization: () => '' },
  { name: 'the Basic scheme', expect: 'AUTH_TOKEN_INVALID', authorization: () => `Basic ${base64url('user:password')}` },
  { name: 'a good token under another scheme', expect: 'AUTH_TOKEN_INVALID', authorization: (c) => `Token ${c.sign(c.header(), c.payload())}` },
  { name: 'the scheme alone', expect: 'AUTH_TOKEN_INVALID', authorization: () => 'Bearer' },
  { name: 'a good token followed by more', expect: 'AUTH_TOKEN_INVALID', authorization: (c) => `Bearer ${c.sign(c.header(), c.payload())} extra` }
]

async function otherKeyOf (alg: JwtAlgorithm): Promise<ForgeKey> {
  const material = await generateKeyMaterial(alg)
  return Buffer.isBuffer(material) ? material : createPrivateKey(material)
}

for (const alg of ALGORITHMS) {
  t.test(alg, async (t) => {
    const { dir, files } = await tempKeyDir(t, alg, ['k1'])
    const { app } = await bearerApp(t, { JWT_ALG: alg, JWT_KEYS_DIR: dir }, START_MS)
    const bytes = await readFile(files.get('k1') as string)
    const key: ForgeKey = alg === 'HS256' ? bytes : createPrivateKey(bytes)
    const publicKey = alg === 'HS256' ? undefined : createPublicKey(key as KeyObject)
    const omit = (value: Record<string, unknown>, without?: string) => {
      if (without !== undefined) delete value[without]
      return value
    }
    const ctx: Context = {
      alg,
      key,
      otherKey: await otherKeyOf(alg),
      publicPem: publicKey?.export({ type: 'spki', format: 'pem' }) as string,
      publicJwk: { ...publicKey?.export({ format: 'jwk' }), kid: 'k1', alg, use: 'sig' },
      header: (extra = {}, without) => omit({ alg, kid: 'k1', typ: 'at+jwt', ...extra }, without),
      payload: (extra = {}, without) => omit({
        iss: ISS, aud: AUD, sub: 'user-1', iat: NOW, nbf: NOW, exp: NOW + 900, jti: 'jti-1', sid: 'session-1', scope: 'api', ...extra
      }, without),
      sign: (header, payload) => forge(header, payload, key, alg)
    }

    for (const { name, authorization, expect, only } of rows) {
      if (only !== undefined && !only(alg)) continue
      const value = authorization(ctx)
      const response = await app.inject({ url: PROTECTED_URL, headers: value === null ? {} : { authorization: value } })
      if (expect === 200) {
        t.equal(response.statusCode, 200, name)
        continue
      }
      const body = response.json() as Record<string, unknown>
      t.same({ status: response.statusCode, body }, {
        status: 401,
        body: { statusCode: 401, code: expect, error: 'Unauthorized', message: body.message }
      }, name)
      const challenge = response.headers['www-authenticate']
      t.match(challenge, expect === 'AUTH_TOKEN_MISSING' ? /^Bearer realm="rotor"$/ : /^Bearer realm="rotor", error="invalid_token"/, `${name}: challenge`)
    }
  })
}
