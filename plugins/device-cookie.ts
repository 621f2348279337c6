// The device cookie's transport (docs/http-api.md, LOGIN_MAX_FAILURES): what the domain mints on a
// login (src/domain/device-cookies.ts) travels as a cookie of its own, HttpOnly, Secure per
// COOKIE_SECURE, SameSite=Strict and scoped to /auth, where logins and password changes happen.
// Registered in the /auth scope after the refresh transport, whose @fastify/cookie it uses.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../src/config.js'
import type { DeviceCookie } from '../src/domain/device-cookies.js'

/** Most device cookies of one request worth checking: each costs an HMAC. */
export const MAX_DEVICE_COOKIES = 4

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Every value of the device cookie in the request's Cookie header, in order, at most
     * MAX_DEVICE_COOKIES: a cookie tossed in from a sibling subdomain under the same name cannot
     * hide the client's own.
     */
    presentedDeviceCookies (): string[]
  }
  interface FastifyReply {
    setDeviceCookie (cookie: DeviceCookie, now: number): FastifyReply
  }
}

/** The device cookie's name: `__Secure-` only where browsers accept it (COOKIE_SECURE). */
export function deviceCookieName (config: Pick<Config, 'cookieSecure'>): string {
  return config.cookieSecure ? '__Secure-login_device' : 'login_device'
}

function trimSpaces (text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '')
}

export default fp<{ config: Config }>(async function deviceCookiePlugin (fastify, { config }) {
  const name = deviceCookieName(config)
  const attributes = { path: '/auth', httpOnly: true, secure: config.cookieSecure, sameSite: 'strict' } as const

  // Split as the `cookie` parser splits (pairs between semicolons, names and values trimmed of spaces
  // and tabs), which keeps only the first value of a name.
  fastify.decorateRequest('presentedDeviceCookies', function presentedDeviceCookies (this: FastifyRequest): string[] {
    const header = this.headers.cookie
    if (header === undefined || !header.includes(name)) return []
    const values: string[] = []
    for (const pair of header.split(';')) {
      const equals = pair.indexOf('=')
      if (equals === -1 || trimSpaces(pair.slice(0, equals)) !== name) continue
      values.push(trimSpaces(pair.slice(equals + 1)))
      if (values.length === MAX_DEVICE_COOKIES) break
    }
    return values
  })

  fastify.decorateReply('setDeviceCookie', function setDeviceCookie (this: FastifyReply, cookie: DeviceCookie, now: number) {
    return this.setCookie(name, cookie.value, { ...attributes, maxAge: Math.max(0, Math.floor((cookie.expiresAt - now) / 1000)) })
  })
}, { name: 'device-cookie', dependencies: ['@fastify/cookie'] })
