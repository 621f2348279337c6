// fast-check arbitraries for fuzzing every route (test/abuse/fuzz.test.ts). Generated requests name
// live credentials through placeholders (`@@ACCESS@@`, `@@ACCESS~12~65@@` for that token with
// character 12 replaced by code 65, or `@@ACCESS^2^5@@` for its signature segment respelled by its
// unused trailing bits, the 5th such spelling), resolved against the current fixture when the
// request is sent, so a counterexample stays readable and replayable while the fixture's tokens change.
import fc from 'fast-check'
import { trailingBitSpellings } from './token-spellings.js'

export interface Fixture {
  username: string
  password: string
  accessToken: string
  /** Body-transport refresh token. */
  refreshToken: string
  /** Cookie-transport refresh token (another session of the same user). */
  cookieToken: string
  sessionId: string
}

export interface FuzzRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string | undefined
}

const PLACEHOLDER = /@@(ACCESS|REFRESH|COOKIE|SID|USERNAME|PASSWORD)(?:~(\d+)~(\d+)|\^(\d+)\^(\d+))?@@/g

function mutate (value: string, at: number, code: number): string {
  if (value.length === 0) return value
  const index = at % value.length
  return value.slice(0, index) + String.fromCharCode(code) + value.slice(index + 1)
}

/**
 * A token that decodes to the same bytes as `token` but is spelled differently: segment `segment`
 * (of an access token's three; a refresh token has one after "rt_") with its unused trailing bits
 * set, the `nth` such spelling (wrapping). Null when that segment has no unused bits.
 */
export function respelled (token: string, segment: number, nth: number): string | null {
  const prefix = token.startsWith('rt_') ? 'rt_' : ''
  const segments = token.slice(prefix.length).split('.')
  const index = segment % segments.length
  const spellings = trailingBitSpellings(segments[index] as string)
  if (spellings.length === 0) return null
  segments[index] = spellings[nth % spellings.length] as string
  return prefix + segments.join('.')
}

/** Replaces every placeholder in `text` with the fixture's value (mutated or respelled when asked). */
export function resolve (text: string, fixture: Fixture): string {
  return text.replace(PLACEHOLDER, (_match, name: string, at?: string, code?: string, segment?: string, nth?: string) => {
    const values: Record<string, string> = {
      ACCESS: fixture.accessToken,
      REFRESH: fixture.refreshToken,
      COOKIE: fixture.cookieToken,
      SID: fixture.sessionId,
      USERNAME: fixture.username,
      PASSWORD: fixture.password
    }
    const value = values[name] ?? ''
    if (segment !== undefined && value !== '') return respelled(value, Number(segment), Number(nth)) ?? value
    return at === undefined ? value : mutate(value, Number(at), Number(code))
  })
}

export function resolveRequest (request: FuzzRequest, fixture: Fixture): FuzzRequest {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) headers[name] = resolve(value, fixture)
  return {
    method: request.method,
    url: resolve(request.url, fixture),
    headers,
    body: request.body === undefined ? undefined : resolve(request.body, fixture)
  }
}

/** Printable ASCII: what a real client can put in a header value. */
const printable = (maxLength = 80): fc.Arbitrary<string> => fc.string({ maxLength })
const anyText = fc.oneof(printable(), fc.string({ unit: 'binary', maxLength: 40 }))

/** A live token, a mutated one, a respelled one, one of another kind, or junk. */
const token = (name: 'ACCESS' | 'REFRESH' | 'COOKIE'): fc.Arbitrary<string> => fc.oneof(
  fc.constant(`@@${name}@@`),
  fc.tuple(fc.nat(400), fc.integer({ min: 0x21, max: 0x7e })).map(([at, code]) => `@@${name}~${at}~${code}@@`),
  fc.tuple(fc.nat(2), fc.nat(14)).map(([segment, nth]) => `@@${name}^${segment}^${nth}@@`),
  fc.constantFrom('@@ACCESS@@', '@@REFRESH@@', '@@COOKIE@@', '@@ACCESS@@.@@ACCESS@@', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'),
  printable(120)
)

const anyToken = fc.oneof(token('ACCESS'), token('REFRESH'), token('COOKIE'))

export const headersArbitrary: fc.Arbitrary<Record<string, string>> = fc.record({
  authorization: fc.oneof(
    anyToken.map((value) => `Bearer ${value}`),
    fc.tuple(fc.constantFrom('bearer ', 'BEARER   ', 'Basic ', 'Bearer', '', 'Token '), anyToken).map(([scheme, value]) => scheme + value),
    printable()
  ),
  cookie: fc.oneof(
    anyToken.map((value) => `__Secure-refresh_token=${value}`),
    fc.tuple(anyToken, anyToken).map(([a, b]) => `__Secure-refresh_token=${a}; __Secure-refresh_token=${b}`),
    anyToken.map((value) => `refresh_token=${value}; other=1`),
    printable()
  ),
  'x-token-transport': fc.oneof(fc.constantFrom('body', 'cookie', 'BODY', ''), printable(20)),
  'x-requested-with': printable(20),
  // Mostly JSON, so most bodies get past the parser to the schemas and the handlers.
  'content-type': fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
    {
      weight: 2,
      arbitrary: fc.constantFrom('APPLICATION/JSON', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x', 'application/jsonx', 'application/*')
    },
    { weight: 1, arbitrary: printable(40) }
  )
}, { requiredKeys: [] })

/** Strings near the contract's bounds, live credentials, and anything else. */
const field = (placeholder: string): fc.Arbitrary<unknown> => fc.oneof(
  fc.constant(placeholder),
  fc.string({ minLength: 3, maxLength: 12 }),
  fc.string({ minLength: 8, maxLength: 1100 }),
  anyText,
  fc.jsonValue({ maxDepth: 1 })
)

const extraKeys = fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'admin', 'username', 'refreshToken', 'toString'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 })

function nearValid (model: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  return fc.tuple(fc.record(model, { requiredKeys: [] }), fc.option(extraKeys, { nil: undefined }))
    .map(([object, extra]) => JSON.stringify(extra === undefined ? object : { ...object, ...extra }))
}

/** A body: near-valid for the route, any JSON value, malformed text, or a few sharp cases. */
export function bodyArbitrary (model: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string | undefined> {
  return fc.option(fc.oneof(
    { weight: 3, arbitrary: nearValid(model) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: anyText },
    {
      weight: 1,
      arbitrary: fc.constantFrom('{', '', 'null', '[]', '"x"', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}',
        '{"refreshToken":"@@REFRESH@@","refreshToken":"x"}', '{"username":"@@USERNAME@@","username":"@@USERNAME@@","password":"@@PASSWORD@@"}')
    }
  ), { nil: undefined })
}

export const credentialsBody = bodyArbitrary({ username: field('@@USERNAME@@'), password: field('@@PASSWORD@@') })
export const refreshBody = bodyArbitrary({ refreshToken: fc.oneof(token('REFRESH'), token('COOKIE'), fc.jsonValue({ maxDepth: 1 })) })
export const passwordBody = bodyArbitrary({ currentPassword: field('@@PASSWORD@@'), newPassword: field('@@PASSWORD@@') })
export const anyBody = bodyArbitrary({ refreshToken: token('REFRESH') })

function encodeSegment (text: string): string {
  try {
    return encodeURIComponent(text)
  } catch {
    return text.replace(/[^A-Za-z0-9]/g, '_') // a lone surrogate cannot be encoded
  }
}

/** Path segments: the live session id, look-alikes, traversal, encodings, over-long ones. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constant('@@SID@@'),
  fc.tuple(fc.nat(40), fc.integer({ min: 0x30, max: 0x7a })).map(([at, code]) => `@@SID~${at}~${code}@@`),
  fc.string({ maxLength: 200 }).map(encodeSegment),
  fc.string({ unit: 'binary', maxLength: 20 }).map(encodeSegment),
  fc.constantFrom('..', '%2e%2e%2f', '%00', '%ZZ', 'a'.repeat(129), 'a'.repeat(5000), '%F0%9F%92%A9', 'x?y=1', '%3Cscript%3E')
)
