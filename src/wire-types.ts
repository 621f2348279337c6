// The shapes docs/http-api.md puts on the wire that both the server and the gateway clients read,
// declared once so the two cannot drift apart. Types only, importing nothing: clients/ import this
// file type-only, so the published gateway carries no server code (test/layers.test.ts).

/** Why a session ended early, as the revocation feed names it (docs/http-api.md, "Revocation feed"). */
export type RevocationReason = 'logout' | 'logout-all' | 'reuse' | 'password-change' | 'revoked' | 'evicted'

/** One ended session, as the feed serves it. `at`/`until` are Unix SECONDS (the feed's unit). */
export interface Revocation {
  /** Opaque cursor, increasing in feed order. */
  id: string
  /** The ended session's id (`sid` of its access tokens). */
  sid: string
  /** Its user's id (`sub` of its access tokens). */
  sub: string
  reason: RevocationReason
  /** When the session ended: floor(now / 1000) of the ending call. */
  at: number
  /** at + ACCESS_TOKEN_TTL + 5: past it no access token of the session verifies any more, so the revocation is in force until then. */
  until: number
}

/** The claims of every access token (docs/http-api.md, "Access tokens"; RFC 9068 §2.2), exactly these. */
export interface AccessTokenClaims {
  iss: string
  aud: string
  /** The user id (never the username). */
  sub: string
  iat: number
  nbf: number
  exp: number
  jti: string
  /** The session id. */
  sid: string
  /** Space-separated scopes. */
  scope: string
}

// The two constants below are types because clients/ may import only types from src/: each side
// spells the value once under its type, and the compiler refuses a spelling that differs.

/** The `typ` header of every access token (RFC 9068 §2.1), compared exactly. */
export type AccessTokenTyp = 'at+jwt'

/**
 * The contract's clock leeway in seconds, on exp, nbf and iat alike. Revocations are kept until
 * exp + this leeway and no longer, so no verifier may allow more.
 */
export type ClockLeewaySeconds = 5
