// The server's configuration: every variable of docs/http-api.md ("Configuration") parsed once,
// before Fastify exists, into one deep-frozen object. Nothing else in the tree reads process.env.
// A shared leaf: it imports nothing of Rotor's, every layer may import its types and ConfigError,
// and only boot (src/server.ts, src/cluster.ts) calls loadConfig.
import { isIP } from 'node:net'
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'

export const JWT_ALGORITHMS = ['EdDSA', 'ES256', 'RS256', 'HS256'] as const
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number]
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
/** Shortest REVOCATION_FEED_TOKENS entry: a secret too long to guess (docs/http-api.md, "Configuration"). */
export const MIN_FEED_TOKEN_LENGTH = 32
// A login at the cap reads every session of its user in one Redis script (lua/create-session.lua),
// which holds Redis meanwhile: about 0.25 ms at 100 sessions, 2.5 ms at 1000 (measured: the commits
// that set and tuned this bound). Past 1000 a login would stall every other Redis client longer.
const SESSIONS_PER_USER_MAX_LIMIT = 1000

const ConfigSchema = Type.Object({
  production: Type.Boolean(),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  host: Type.String({ minLength: 1 }),
  redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  redisClusterNodes: Type.Optional(Type.Array(Type.Object({ host: Type.String(), port: Type.Integer() }), { minItems: 1 })),
  redisPrefix: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^{}\\s]+$' }),
  jwtAlg: Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256'), Type.Literal('RS256'), Type.Literal('HS256')]),
  jwtKeysDir: Type.Optional(Type.String({ minLength: 1 })),
  jwtIssuer: Type.String({ minLength: 1 }),
  jwtAudience: Type.String({ minLength: 1 }),
  accessTokenTtl: Type.Integer({ minimum: 1 }),
  refreshIdleTtl: Type.Integer({ minimum: 1 }),
  sessionMaxTtl: Type.Integer({ minimum: 1 }),
  refreshReuseGrace: Type.Integer({ minimum: 0 }),
  cookieSecure: Type.Boolean(),
  cookieName: Type.String({ pattern: "^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$" }),
  /** Comma-separated addresses and CIDRs of the proxies whose X-Forwarded-For is believed. */
  trustProxy: Type.Optional(Type.String({ minLength: 1 })),
  rateLimitPerMinute: Type.Integer({ minimum: 1 }),
  logLevel: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')]),
  loginMaxFailures: Type.Integer({ minimum: 1 }),
  /** Live sessions one user may hold; a login beyond it ends the user's least recently used one. */
  sessionsPerUserMax: Type.Integer({ minimum: 1, maximum: SESSIONS_PER_USER_MAX_LIMIT }),
  /** Seconds a request may take to arrive whole; also how long an idle keep-alive connection stays open. */
  requestTimeout: Type.Integer({ minimum: 1 }),
  /** Secrets gateways present to read the revocation feed; undefined: the feed answers 404. */
  revocationFeedTokens: Type.Optional(Type.Array(Type.String({ minLength: MIN_FEED_TOKEN_LENGTH }), { minItems: 1 })),
  /** Where GET /metrics is served; no metrics listener when `metricsPort` is unset. */
  metricsHost: Type.String({ minLength: 1 }),
  metricsPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  /** Origins (as browsers send them in `Origin`) whose pages may call /auth and /api with credentials. */
  corsOrigins: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  /** Worker processes for `npm run start:cluster`; 0 means one per CPU. */
  workers: Type.Integer({ minimum: 0, maximum: 256 })
})

/** The parsed, frozen configuration. Times are whole seconds, as in the contract. */
export type Config = Readonly<Static<typeof ConfigSchema>>

/**
 * A bad or unsafe configuration: `problems` holds one line per variable (naming it and what to set),
 * `message` those lines joined by newlines; start-up prints them all and exits.
 */
export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly problems: readonly string[]

  constructor (problems: string | readonly string[]) {
    const lines = typeof problems === 'string' ? [problems] : problems
    super(lines.join('\n'))
    this.problems = lines
  }
}

/** The default issuer, refused in production: tokens would name a server nobody reaches. */
export const DEFAULT_JWT_ISSUER = 'http://localhost:3000'


type Env = Record<string, string | undefined>

function integer (env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected a whole number from ${min} to ${max}`)
  }
  return Number(raw)
}

function oneOf<T extends string> (env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected one of ${allowed.join(', ')}`)
  }
  return raw as T
}

function boolean (env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (raw !== 'true' && raw !== 'false') {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected true or false`)
  }
  return raw === 'true'
}

function text (env: Env, name: string, fallback: string): string {
  const raw = env[name]
  return raw === undefined || raw === '' ? fallback : raw
}

function clusterNodes (raw: string | undefined): Array<{ host: string, port: number }> | undefined {
  if (raw === undefined || raw === '') return undefined
  return raw.split(',').map((entry) => {
    const match = /^(.+):(\d{1,5})$/.exec(entry.trim())
    if (match === null || Number(match[2]) > 65535) {
      throw new ConfigError(`REDIS_CLUSTER_NODES entry ${JSON.stringify(entry)} is not valid: expected host:port,host:port,…`)
    }
    return { host: match[1] as string, port: Number(match[2]) }
  })
}

const TRUST_PROXY_HINT = 'list the addresses or CIDRs of the proxies in front, comma-separated (TRUST_PROXY=127.0.0.1 for a proxy on this host, TRUST_PROXY=10.0.0.0/24,fd00::/64 for a network of them)'

// Only addresses and CIDRs: Fastify 5 turns a hop count into "trust no proxy" (it cannot check the
// peer with one), which silently puts every client behind the proxy into one rate-limit bucket; and
// `true` (or a /0) lets any client choose its own IP in X-Forwarded-For.
function trustedProxyEntry (entry: string): string {
  const match = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry)
  const family = match === null ? 0 : isIP(match[1] as string)
  const prefix = match?.[2] === undefined ? undefined : Number(match[2])
  if (family === 0 || (prefix !== undefined && prefix > (family === 4 ? 32 : 128))) {
    throw new ConfigError(`TRUST_PROXY entry ${JSON.stringify(entry)} is not an address or CIDR: ${TRUST_PROXY_HINT}`)
  }
  if (prefix === 0) throw new ConfigError(`TRUST_PROXY=${entry} would trust every address, so any client could choose its IP: ${TRUST_PROXY_HINT}`)
  return entry
}

function trustProxy (raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '' || raw === 'false') return undefined
  if (/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`TRUST_PROXY=${raw} is a hop count, which Fastify 5 cannot check against the connecting peer and so trusts no proxy at all: ${TRUST_PROXY_HINT}`)
  }
  if (raw.trim() === 'true') throw new ConfigError(`TRUST_PROXY=true would let any client choose its IP: ${TRUST_PROXY_HINT}`)
  return raw.split(',').map((entry) => trustedProxyEntry(entry.trim())).join(',')
}

function feedTokens (raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw === '') return undefined
  const tokens = raw.split(',')
  for (const [index, token] of tokens.entries()) {
    // The value is a secret: the message names the entry's position and length, never its text.
    if (token.length < MIN_FEED_TOKEN_LENGTH || /\s/.test(token)) {
      throw new ConfigError(`REVOCATION_FEED_TOKENS entry ${index + 1} is not valid (${token.length} characters): expected comma-separated secrets of at least ${MIN_FEED_TOKEN_LENGTH} characters without spaces, for example from \`openssl rand -base64 32\``)
    }
  }
  return tokens
}

const CORS_ORIGIN_HINT = 'expected comma-separated origins as a browser sends them in Origin: scheme://host[:port], lower case, no path, no trailing slash, no default port (CORS_ORIGINS=https://app.example.com,http://localhost:5173)'

// Compared byte for byte with the request's Origin header, so an entry must already be in the form
// browsers serialise (RFC 6454 §6.1); a trailing slash or an upper-case letter would match nothing.
// `*` is refused: the listed origins get credentials (the refresh cookie), which RFC 6454 and the
// Fetch standard never allow for a wildcard, and reflecting any origin would hand them to every site.
function corsOrigins (raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined
  return raw.split(',').map((entry) => {
    const origin = entry.trim()
    if (origin.includes('*')) {
      throw new ConfigError(`CORS_ORIGINS entry ${JSON.stringify(origin)} is a wildcard: the listed origins get the refresh cookie (credentials), so list each one; ${CORS_ORIGIN_HINT}`)
    }
    const parsed = URL.canParse(origin) ? new URL(origin) : undefined
    if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.origin !== origin) {
      const meant = parsed !== undefined && parsed.origin !== 'null' ? ` (did you mean ${parsed.origin}?)` : ''
      throw new ConfigError(`CORS_ORIGINS entry ${JSON.stringify(origin)} is not an origin${meant}: ${CORS_ORIGIN_HINT}`)
    }
    return origin
  })
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/**
 * Parses the environment into the server's configuration. Throws `ConfigError` with one line per
 * bad variable (all of them at once) naming it and what it accepts. Production (`NODE_ENV=production`)
 * refuses the unsafe defaults that make the server easy to try: the embedded store, an ephemeral key,
 * insecure cookies, the localhost issuer.
 */
export function loadConfig (env: Env = process.env): Config {
  // Every problem is collected, so one start-up reports them all rather than one per attempt.
  const problems: string[] = []
  function collect<T> (parse: () => T, fallback: T): T {
    try {
      return parse()
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      problems.push(...error.problems)
      return fallback
    }
  }
  const cookieSecure = collect(() => boolean(env, 'COOKIE_SECURE', true), true)
  const config = {
    production: env.NODE_ENV === 'production',
    port: collect(() => integer(env, 'PORT', 3000, 0, 65535), 3000),
    host: text(env, 'HOST', '127.0.0.1'),
    redisUrl: env.REDIS_URL === '' ? undefined : env.REDIS_URL,
    redisClusterNodes: collect(() => clusterNodes(env.REDIS_CLUSTER_NODES), undefined),
    redisPrefix: text(env, 'REDIS_PREFIX', 'auth:'),
    jwtAlg: collect(() => oneOf(env, 'JWT_ALG', 'EdDSA', JWT_ALGORITHMS), 'EdDSA'),
    jwtKeysDir: env.JWT_KEYS_DIR === '' ? undefined : env.JWT_KEYS_DIR,
    jwtIssuer: text(env, 'JWT_ISSUER', DEFAULT_JWT_ISSUER),
    jwtAudience: text(env, 'JWT_AUDIENCE', 'api'),
    accessTokenTtl: collect(() => integer(env, 'ACCESS_TOKEN_TTL', 900, 1, 86400), 900),
    refreshIdleTtl: collect(() => integer(env, 'REFRESH_IDLE_TTL', 1209600, 1), 1209600),
    sessionMaxTtl: collect(() => integer(env, 'SESSION_MAX_TTL', 2592000, 1), 2592000),
    refreshReuseGrace: collect(() => integer(env, 'REFRESH_REUSE_GRACE', 10, 0, 300), 10),
    cookieSecure,
    cookieName: text(env, 'COOKIE_NAME', cookieSecure ? '__Secure-refresh_token' : 'refresh_token'),
    trustProxy: collect(() => trustProxy(env.TRUST_PROXY), undefined),
    rateLimitPerMinute: collect(() => integer(env, 'RATE_LIMIT_PER_MINUTE', 120, 1), 120),
    logLevel: collect(() => oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS), 'info'),
    loginMaxFailures: collect(() => integer(env, 'LOGIN_MAX_FAILURES', 10, 1), 10),
    sessionsPerUserMax: collect(() => integer(env, 'SESSIONS_PER_USER_MAX', 100, 1, SESSIONS_PER_USER_MAX_LIMIT), 100),
    requestTimeout: collect(() => integer(env, 'REQUEST_TIMEOUT', 10, 1, 3600), 10),
    revocationFeedTokens: collect(() => feedTokens(env.REVOCATION_FEED_TOKENS), undefined),
    metricsHost: text(env, 'METRICS_HOST', '127.0.0.1'),
    metricsPort: env.METRICS_PORT === undefined || env.METRICS_PORT === '' ? undefined : collect(() => integer(env, 'METRICS_PORT', 0, 0, 65535), undefined),
    workers: collect(() => integer(env, 'WORKERS', 0, 0, 256), 0),
    corsOrigins: collect(() => corsOrigins(env.CORS_ORIGINS), undefined)
  }
  if (config.redisUrl !== undefined && !/^rediss?:\/\//.test(config.redisUrl)) {
    problems.push(`REDIS_URL is not valid: expected redis://… or rediss://…`)
  }
  if (!/^[^{}\s]{1,64}$/.test(config.redisPrefix)) {
    problems.push(`REDIS_PREFIX=${JSON.stringify(config.redisPrefix)} is not valid: expected 1 to 64 characters without spaces or braces (braces would break Redis Cluster hash tags)`)
  }
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(config.cookieName)) {
    problems.push(`COOKIE_NAME=${JSON.stringify(config.cookieName)} is not valid: expected an RFC 6265 cookie name (letters, digits and !#$%&'*+-.^_\`|~)`)
  }
  if (config.cookieName.startsWith('__Secure-') && !cookieSecure) {
    problems.push('COOKIE_NAME starts with __Secure- but COOKIE_SECURE=false: browsers drop such cookies; choose another name or keep COOKIE_SECURE=true')
  }
  if (config.sessionMaxTtl < config.refreshIdleTtl) {
    problems.push(`SESSION_MAX_TTL=${config.sessionMaxTtl} is not valid: it must be at least REFRESH_IDLE_TTL (${config.refreshIdleTtl})`)
  }
  if (config.production) problems.push(...unsafeProductionSettings(config))
  if (problems.length > 0) throw new ConfigError(problems)
  if (!Value.Check(ConfigSchema, config)) {
    const first = Value.Errors(ConfigSchema, config)[0]
    throw new ConfigError(`configuration is not valid: ${first?.instancePath ?? ''} ${first?.message ?? ''}`)
  }
  return deepFreeze(config)
}

/** One line per unsafe default production refuses, each naming the variable and what to set. */
function unsafeProductionSettings (config: Static<typeof ConfigSchema>): string[] {
  const problems: string[] = []
  if (config.redisUrl === undefined && config.redisClusterNodes === undefined) {
    problems.push('NODE_ENV=production needs REDIS_URL or REDIS_CLUSTER_NODES: the embedded store keeps sessions in one process and loses them on restart; set REDIS_URL=redis://user:password@host:6379')
  }
  if (config.jwtKeysDir === undefined) {
    problems.push('NODE_ENV=production needs JWT_KEYS_DIR: an ephemeral key would log everyone out at every restart and differ between instances; set it to a folder of keys made by `npm run keys`')
  }
  if (!config.cookieSecure) {
    problems.push('NODE_ENV=production refuses COOKIE_SECURE=false: refresh cookies must never travel over plain http; remove it or set COOKIE_SECURE=true')
  }
  if (config.jwtIssuer === DEFAULT_JWT_ISSUER) {
    problems.push(`NODE_ENV=production refuses JWT_ISSUER=${DEFAULT_JWT_ISSUER} (the default), which names no reachable server; set JWT_ISSUER to this server's public https URL, e.g. JWT_ISSUER=https://auth.example.com`)
  }
  const plainHttp = config.corsOrigins?.filter((origin) => origin.startsWith('http:')) ?? []
  if (plainHttp.length > 0) {
    problems.push(`NODE_ENV=production refuses plain-http CORS_ORIGINS (${plainHttp.join(', ')}): a script injected into such a page on the network would act with its users' sessions; serve the page over https and list its https origin`)
  }
  return problems
}
