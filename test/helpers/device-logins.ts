// Logins as a browser makes them (cookie transport, device cookie sent back) and as a stranger
// (body transport, no cookie), for the device-cookie lockout tests.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

export const DEVICE_COOKIE = '__Secure-login_device'

/** The device cookie `response` set (its value), or undefined. */
export function deviceCookieOf (response: LightMyRequestResponse): string | undefined {
  return deviceSetCookieOf(response)?.split(';')[0]?.slice(DEVICE_COOKIE.length + 1)
}

/** Every cookie `response` set, as a browser sends them back (`name=value; name=value`). */
export function cookieJarOf (response: LightMyRequestResponse): string {
  const header = response.headers['set-cookie']
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header]
  return lines.map((line) => line.split(';')[0]).join('; ')
}

/** The whole Set-Cookie line of the device cookie, attributes included. */
export function deviceSetCookieOf (response: LightMyRequestResponse): string | undefined {
  const header = response.headers['set-cookie']
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header]
  return lines.find((line) => line.startsWith(`${DEVICE_COOKIE}=`))
}

/** A browser's login: cookie transport, presenting `deviceCookie` when it has one. */
export async function browserLogin (app: FastifyInstance, username: string, password: string, deviceCookie?: string, ip = '198.51.100.7'): Promise<LightMyRequestResponse> {
  return await app.inject({
    method: 'POST',
    url: '/auth/login',
    remoteAddress: ip,
    headers: deviceCookie === undefined ? {} : { cookie: `${DEVICE_COOKIE}=${deviceCookie}` },
    payload: { username, password }
  })
}

/** A stranger's login: no cookie at all. */
export async function strangerLogin (app: FastifyInstance, username: string, password: string, ip = '203.0.113.66'): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'POST', url: '/auth/login', remoteAddress: ip, headers: { 'x-token-transport': 'body' }, payload: { username, password } })
}

/** Logs in as a browser with no device cookie yet and returns the device cookie it was given. */
export async function newDevice (app: FastifyInstance, username: string, password: string): Promise<string> {
  const login = await browserLogin(app, username, password)
  if (login.statusCode !== 200) throw new Error(`login for a device cookie answered ${login.statusCode}: ${login.body}`)
  const cookie = deviceCookieOf(login)
  if (cookie === undefined) throw new Error('login set no device cookie')
  return cookie
}
