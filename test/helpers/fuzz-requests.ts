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

/** A value a refresh cookie may hold: a live token of either kind, empty, or junk (no ";"). */
const cookieValue = fc.oneof(token('COOKIE'), token('REFRESH'), fc.constant(''), printable(40).map((text) => text.replace(/;/g, '')))

/**
 * Cookie headers that hold the refresh cookie two or three times (cookie tossing: a sibling
 * subdomain sets a second one), in any order among other cookies, with the separators and spacing
 * browsers and hand-written clients use.
 */
export const duplicateRefreshCookies: fc.Arbitrary<string> = fc.tuple(
  fc.array(fc.tuple(fc.constantFrom('__Secure-refresh_token', ' __Secure-refresh_token', '__Secure-refresh_token '), cookieValue), { minLength: 2, maxLength: 3 }),
  fc.subarray(['other=1', 'refresh_token=@@COOKIE@@', '__Host-session=x', 'theme=dark']),
  fc.constantFrom('; ', ';', ';\t', ' ;  ')
).chain(([refresh, others, separator]) => {
  const parts = [...refresh.map(([name, value]) => `${name}=${value}`), ...others]
  return fc.shuffledSubarray(parts, { minLength: parts.length, maxLength: parts.length }).map((shuffled) => shuffled.join(separator))
})

export const headersArbitrary: fc.Arbitrary<Record<string, string>> = fc.record({
  authorization: fc.oneof(
    anyToken.map((value) => `Bearer ${value}`),
    fc.tuple(fc.constantFrom('bearer ', 'BEARER   ', 'Basic ', 'Bearer', '', 'Token '), anyToken).map(([scheme, value]) => scheme + value),
    printable()
  ),
  cookie: fc.oneof(
    anyToken.map((value) => `__Secure-refresh_token=${value}`),
    fc.tuple(anyToken, anyToken).map(([a, b]) => `__Secure-refresh_token=${a}; __Secure-refresh_token=${b}`),
    duplicateRefreshCookies,
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

/**
 * Characters that change how a name is stored but hardly how it looks: spaces of every width,
 * zero-width and joiner characters, bidirectional controls, a soft hyphen, NUL. The username profile
 * allows none of them.
 */
export const INVISIBLE_OR_SPACE = [' ', '\t', '\u00A0', '\u3000', '\u2009', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u034F',
  '\u180E', '\u202E', '\u202D', '\u2066', '\u061C', '\u0000']
// Letters drawn like Latin ones in other scripts (PRECIS allows them: a different name, not a refusal).
const HOMOGLYPHS: Record<string, string> = { a: 'а', c: 'с', e: 'е', o: 'о', p: 'р', x: 'х', y: 'у', i: 'і' }

type NameEdit = (name: string, at: number) => string
const NAME_EDITS: NameEdit[] = [
  ...INVISIBLE_OR_SPACE.map((char): NameEdit => (name, at) => name.slice(0, at) + char + name.slice(at)),
  (name, at) => name.slice(0, at) + (name[at] ?? '').toUpperCase() + name.slice(at + 1),
  (name, at) => {
    const code = name.charCodeAt(at)
    return code > 0x20 && code < 0x7F ? name.slice(0, at) + String.fromCharCode(code + 0xFEE0) + name.slice(at + 1) : name
  },
  (name, at) => name.slice(0, at) + (HOMOGLYPHS[name[at] ?? ''] ?? name[at] ?? '') + name.slice(at + 1),
  (name, at) => name.slice(0, at) + '\u0301' + name.slice(at),
  (name) => name.normalize('NFD'),
  (name) => name.toUpperCase()
]

/** Names that look like `name`: one or two edits, each inserting an invisible or space character or respelling a letter. */
export function lookalikeOf (name: string): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(NAME_EDITS.length - 1), fc.nat(name.length))
  return fc.array(edit, { minLength: 1, maxLength: 2 }).map((edits) =>
    edits.reduce((current, [which, at]) => (NAME_EDITS[which] as NameEdit)(current, at % (current.length + 1)), name))
}

/** Byte sequences that are not UTF-8: a lone continuation byte, overlong forms, an encoded surrogate, a truncated sequence, 0xFF. */
export const invalidUtf8: fc.Arbitrary<number[]> = fc.constantFrom([0x80], [0xBF], [0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80])

/** `text` as UTF-8 bytes with `bytes` inserted at character `at` (JSON stays well-formed inside a string). */
export function withBytes (text: string, at: number, bytes: readonly number[]): Buffer {
  return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bytes), Buffer.from(text.slice(at))])
}

/** A request body sent in pieces with pauses between them, or never finished. */
export interface SlowUpload {
  path: '/auth/register' | '/auth/login' | '/auth/refresh' | '/auth/password'
  body: string
  pieces: number
  gapMs: number
  /** False: the last piece is never sent. */
  finishes: boolean
  chunked: boolean
}

export const slowUpload: fc.Arbitrary<SlowUpload> = fc.record({
  path: fc.constantFrom('/auth/register', '/auth/login', '/auth/refresh', '/auth/password'),
  body: fc.oneof(
    fc.constant('{"username":"slow-fuzz-user","password":"correct horse battery"}'),
    fc.constant('{"refreshToken":"rt_not-a-real-token"}'),
    fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)).filter((text) => text.length > 1)
  ),
  pieces: fc.integer({ min: 2, max: 12 }),
  gapMs: fc.integer({ min: 0, max: 400 }),
  finishes: fc.boolean(),
  chunked: fc.boolean()
})
