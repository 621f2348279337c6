// Verifies a Rotor access token the way Rotor does (docs/http-api.md, "Access tokens"): the
// configured algorithms only, a known kid from the JWKS, typ at+jwt, exact iss and aud, every claim
// present, clock leeway at most 5 s; then the session against the revocation feed.
import { errors, jwtVerify } from 'jose'
import { FeedStaleError, SessionEndedError } from './errors.js'
import type { RotorKeySet } from './key-set.js'
import type { RevocationFeed } from './revocation-feed.js'
import type { AccessTokenClaims, AccessTokenTyp, ClockLeewaySeconds } from '../../src/wire-types.js'

export type { AccessTokenClaims } from '../../src/wire-types.js'

/** The asymmetric algorithms Rotor signs with; HS256 keys are never published, so a gateway cannot verify them. */
export type GatewayAlgorithm = 'EdDSA' | 'ES256' | 'RS256'
export const GATEWAY_ALGORITHMS: readonly GatewayAlgorithm[] = ['EdDSA', 'ES256', 'RS256']

/** The claims every Rotor access token holds (RFC 9068). */
export const ACCESS_TOKEN_CLAIMS = ['iss', 'aud', 'sub', 'iat', 'nbf', 'exp', 'jti', 'sid', 'scope'] as const satisfies ReadonlyArray<keyof AccessTokenClaims>
export const ACCESS_TOKEN_TYP: AccessTokenTyp = 'at+jwt'
/** The contract's ceiling on clock leeway: revocations are kept until exp + 5 s, no longer. */
export const MAX_CLOCK_TOLERANCE_SECONDS: ClockLeewaySeconds = 5

export interface AccessTokenRules {
  /** Rotor's JWT_ISSUER and JWT_AUDIENCE, compared exactly. */
  issuer: string
  audience: string
  /** Rotor's JWT_ALG (one, in practice; two while moving from one to another). */
  algorithms: readonly GatewayAlgorithm[]
  /** Seconds, at most 5 (default 5). */
  clockToleranceSeconds?: number
}

/** Checks the rules and returns them with defaults filled in; throws on a value that would weaken verification. */
export function checkedRules (rules: AccessTokenRules): Required<AccessTokenRules> {
  if (typeof rules.issuer !== 'string' || rules.issuer === '') throw new TypeError('issuer: Rotor\'s JWT_ISSUER is required')
  if (typeof rules.audience !== 'string' || rules.audience === '') throw new TypeError('audience: Rotor\'s JWT_AUDIENCE is required')
  if (!Array.isArray(rules.algorithms) || rules.algorithms.length === 0 || !rules.algorithms.every((alg) => GATEWAY_ALGORITHMS.includes(alg))) {
    throw new TypeError(`algorithms: one or more of ${GATEWAY_ALGORITHMS.join(', ')} (Rotor's JWT_ALG)`)
  }
  const clockToleranceSeconds = rules.clockToleranceSeconds ?? MAX_CLOCK_TOLERANCE_SECONDS
  if (!(clockToleranceSeconds >= 0 && clockToleranceSeconds <= MAX_CLOCK_TOLERANCE_SECONDS)) {
    throw new RangeError(`clockToleranceSeconds: 0 to ${MAX_CLOCK_TOLERANCE_SECONDS} (revocations are kept only that long past exp)`)
  }
  return { issuer: rules.issuer, audience: rules.audience, algorithms: [...rules.algorithms], clockToleranceSeconds }
}

const STRING_CLAIMS = ['sub', 'jti', 'sid', 'scope'] as const

/**
 * What is wrong with the types of the claims only Rotor's profile gives a type (sub, jti, sid, scope
 * are strings) and of iat, which not every JWT library checks; undefined when nothing is.
 */
export function claimTypeProblem (payload: Record<string, unknown>): string | undefined {
  for (const claim of STRING_CLAIMS) {
    if (typeof payload[claim] !== 'string') return `"${claim}" claim must be a string`
  }
  if (typeof payload.iat !== 'number') return '"iat" claim must be a number'
  return undefined
}

export type AccessTokenVerifier = (token: string) => Promise<AccessTokenClaims>

/**
 * A verifier that throws jose's errors for a bad token (JWTExpired, JWSSignatureVerificationFailed,
 * JWTClaimValidationFailed, …), SessionEndedError for a token of an ended session, and
 * FeedStaleError under `onStale: 'reject'` while the feed is stale.
 */
export function createAccessTokenVerifier (keySet: RotorKeySet, feed: RevocationFeed, rules: AccessTokenRules, now: () => number = Date.now): AccessTokenVerifier {
  const { issuer, audience, algorithms, clockToleranceSeconds } = checkedRules(rules)
  const options = { issuer, audience, algorithms: [...algorithms], typ: ACCESS_TOKEN_TYP, clockTolerance: clockToleranceSeconds, requiredClaims: [...ACCESS_TOKEN_CLAIMS] }
  return async (token) => {
    const { payload } = await jwtVerify(token, keySet.getKey, { ...options, currentDate: new Date(now()) })
    const problem = claimTypeProblem(payload)
    if (problem !== undefined) throw new errors.JWTClaimValidationFailed(problem, payload, problem.split('"')[1], 'check_failed')
    const verdict = feed.verdict(payload.sid as string)
    if (verdict === 'revoked') throw new SessionEndedError()
    if (verdict === 'stale') throw new FeedStaleError()
    return payload as unknown as AccessTokenClaims
  }
}
