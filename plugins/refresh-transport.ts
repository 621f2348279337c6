// How refresh tokens travel (CONTRACT.md, "Refresh token transport"): an HttpOnly cookie scoped to
// /auth for browsers, or the JSON body for native and server clients that ask for it.
//
// Registered only inside the /auth routes' scope (src/app.ts): @fastify/cookie adds an onRequest and
// an onSend hook to every route of its scope, and GET /api/me, which never reads or sets a cookie,
// should not pay for them on every request (issue 6).
import fp from 'fastify-plugin'
import cookie from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../src/config.js'
import { CsrfError } from '../src/errors.js'

export type TokenTransport = 'cookie' | 'body'

export interface PresentedToken {
  token: string
  via: TokenTransport
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The transport this request asked for: body with `X-Token-Transport: body`, else cookie. */
    tokenTransport (): TokenTransport
    /**
     * The refresh token in the body, else in the cookie; null when neither. A cookie-borne token
     * without `X-Requested-With` throws CsrfError: a cross-site form cannot set that header.
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

export default fp<{ config: Config }>(async function refreshTransportPlugin (fastify, { config }) {
  await fastify.register(cookie)
  const attributes = { path: COOKIE_PATH, httpOnly: true, secure: config.cookieSecure, sameSite: 'strict' } as const

  fastify.decorateRequest('tokenTransport', function tokenTransport (this: FastifyRequest): TokenTransport {
    return this.headers['x-token-transport'] === 'body' ? 'body' : 'cookie'
  })

  fastify.decorateRequest('presentedRefreshToken', function presentedRefreshToken (this: FastifyRequest): PresentedToken | null {
    const body = this.body as { refreshToken?: unknown } | undefined | null
    if (body !== null && typeof body === 'object' && typeof body.refreshToken === 'string') {
      return { token: body.refreshToken, via: 'body' }
    }
    const fromCookie = this.cookies[config.cookieName]
    if (fromCookie === undefined || fromCookie === '') return null
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
