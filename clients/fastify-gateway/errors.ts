// Errors the plugin answers with where @fastify/jwt has none of its own. A bad token keeps
// @fastify/jwt's code, so a gateway's clients see one family of codes whatever refused the token.
import createError from '@fastify/error'

/** A token @fastify/jwt would pass on as a 500: a typ, algorithm, kid or claim type Rotor never issues. */
export const TokenInvalidError = createError('FST_JWT_AUTHORIZATION_TOKEN_INVALID', 'Authorization token is invalid: %s', 401)

/** Rotor's JWKS could not be fetched: the token may be good, so 503 and retry, not 401. */
export const JwksUnavailableError = createError('ROTOR_JWKS_UNAVAILABLE', 'Rotor\'s signing keys cannot be fetched right now; try again shortly', 503)
