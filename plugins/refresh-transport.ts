// How refresh tokens travel (docs/http-api.md, "Refresh token transport"): an HttpOnly cookie scoped to
// /auth for browsers, or the JSON body for native and server clients that ask for it.
//
// Registered only inside the /auth routes' scope (src/app.ts): @fastify/cookie adds an onRequest and
// an onSend hook to every route of its scope, and GET /api/me, which never reads or sets a cookie,
// should not pay for them on every request.
import fp from 'fastify-plugin'
import cookie from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../src/config.js'
import { BadRequestError, CsrfError } from '../src/errors.js'

export type TokenTransport = 'cookie' | 'body'

export interface PresentedToken {
  token: string
  via: TokenTransport
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The transport this request asked for: body with `X-Token-Transport: body` (any case, as the
     * route's header schema admits), else cookie.
     */
    tokenTransport (): TokenTransport
    /**
     * The refresh token in the body, else in the cookie; null when neither. More than one refresh
     * cookie throws BadRequestError (cookie tossing); a cookie-borne token without
     * `X-Requested-With` throws CsrfError: a cross-site form cannot set that header.
     */
    presentedRefreshToken (): PresentedToken | null
  }
  interface FastifyReply {
    /** Sets the refresh cookie, alive for the time the session has left. */
    setRefreshCookie (token: string, expiresAt: number, now: number): FastifyReply
    clearRefreshCookie (): FastifyReply
  }
}

const COOKIE_PATH = '/auth'

/**
 * How many cookies named `name` a Cookie header holds, split the way the `cookie` parser splits it
 * (pairs between semicolons, the name trimmed of spaces and tabs; Node joins several Cookie header
 * lines with "; "). The parser keeps only the first of a name, and a sibling subdomain can set a
 * second one that browsers send first (Domain=<parent>, or a longer Path): counting them is how a
 * request is told apart from one the victim's browser alone would send.
 */
export function cookieCount (header: string, name: string): number {
  let count = 0
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=')
    if (equals !== -1 && pair.slice(0, equals).replace(/^[ \t]+|[ \t]+$/g, '') === name) count++
  }
  return count
}

export default fp<{ config: Config }>(async function refreshTransportPlugin (fastify, { config }) {
  await fastify.register(cookie)
  const attributes = { path: COOKIE_PATH, httpOnly: true, secure: config.cookieSecure, sameSite: 'strict' } as const
  const duplicateMessage = `The request carries more than one ${config.cookieName} cookie, so which session it means is unclear ` +
    '(another site on a parent domain may have set one): clear the cookies of this site and its parent domain, then log in again'

  fastify.decorateRequest('tokenTransport', function tokenTransport (this: FastifyRequest): TokenTransport {
    const asked = this.headers['x-token-transport']
    return typeof asked === 'string' && asked.toLowerCase() === 'body' ? 'body' : 'cookie'
  })

  fastify.decorateRequest('presentedRefreshToken', function presentedRefreshToken (this: FastifyRequest): PresentedToken | null {
    const body = this.body as { refreshToken?: unknown } | undefined | null
    if (body !== null && typeof body === 'object' && typeof body.refreshToken === 'string') {
      return { token: body.refreshToken, via: 'body' }
    }
    const fromCookie = this.cookies[config.cookieName]
    if (fromCookie === undefined) return null
    // Tossed cookies cannot be told from the victim's own: refuse, and spend or clear neither.
    if (cookieCount(this.headers.cookie ?? '', config.cookieName) > 1) throw new BadRequestError(duplicateMessage)
    if (fromCookie === '') return null
    if (this.headers['x-requested-with'] === undefined) throw new CsrfError()
    return { token: fromCookie, via: 'cookie' }
  })

  fastify.decorateReply('setRefreshCookie', function setRefreshCookie (this: FastifyReply, token: string, expiresAt: number, now: number) {
    // Rounded up: a cookie that outlives its session by under a second costs one 401, never a lost session.
    const maxAge = Math.max(0, Math.ceil((expiresAt - now) / 1000))
    return this.setCookie(config.cookieName, token, { ...attributes, maxAge })
  })

  fastify.decorateReply('clearRefreshCookie', function clearRefreshCookie (this: FastifyReply) {
    return this.setCookie(config.cookieName, '', { ...attributes, maxAge: 0 })
  })
}, { name: 'refresh-transport' })
