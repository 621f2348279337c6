// Talks to a running Rotor server the way a native client does (body transport) to prepare what the
// load needs: accounts, sessions, and many distinct live access tokens.
import { runLoad } from './load.js'
import { refreshChainClients } from './targets.js'

export const PASSWORD = 'correct horse battery staple'

const JSON_BODY = { 'content-type': 'application/json', 'x-token-transport': 'body' }

/** One session as a body-transport client holds it; `refreshToken` moves on with every refresh. */
export interface HeldSession {
  username: string
  accessToken: string
  refreshToken: string
}

interface TokenAnswer {
  accessToken: string
  refreshToken?: string
}

async function post (url: string, body: unknown): Promise<{ status: number, json: unknown, text: string }> {
  const response = await fetch(url, { method: 'POST', headers: JSON_BODY, body: JSON.stringify(body) })
  const text = await response.text()
  let json: unknown = null
  try { json = JSON.parse(text) } catch { /* not JSON: reported through text */ }
  return { status: response.status, json, text }
}

export async function register (server: string, username: string): Promise<void> {
  const answer = await post(`${server}/auth/register`, { username, password: PASSWORD })
  if (answer.status !== 201 && answer.status !== 409) throw new Error(`register ${username}: ${answer.status} ${answer.text}`)
}

export async function login (server: string, username: string): Promise<HeldSession> {
  const answer = await post(`${server}/auth/login`, { username, password: PASSWORD })
  const tokens = answer.json as TokenAnswer | null
  if (answer.status !== 200 || typeof tokens?.refreshToken !== 'string') throw new Error(`login ${username}: ${answer.status} ${answer.text}`)
  return { username, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }
}

/** Rotates `session` in place; returns the new access token. */
export async function refresh (server: string, session: HeldSession): Promise<string> {
  const answer = await post(`${server}/auth/refresh`, { refreshToken: session.refreshToken })
  const tokens = answer.json as TokenAnswer | null
  if (answer.status !== 200 || typeof tokens?.refreshToken !== 'string') throw new Error(`refresh: ${answer.status} ${answer.text}`)
  session.refreshToken = tokens.refreshToken
  session.accessToken = tokens.accessToken
  return tokens.accessToken
}

async function inBatches<T> (count: number, batch: number, make: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = []
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start)
    results.push(...await Promise.all(Array.from({ length: size }, async (_, offset) => await make(start + offset))))
  }
  return results
}

/** Registers `count` users named `<prefix>-<n>` and logs each in once (each login hashes: argon2). */
export async function openSessions (server: string, prefix: string, count: number): Promise<HeldSession[]> {
  await inBatches(count, 16, async (index) => { await register(server, `${prefix}-${index}`) })
  return await inBatches(count, 16, async (index) => await login(server, `${prefix}-${index}`))
}

/** Registers one user and opens `count` sessions of it (one argon2 verification each). */
export async function openSessionsOfOneUser (server: string, username: string, count: number): Promise<HeldSession[]> {
  await register(server, username)
  return await inBatches(count, 16, async () => await login(server, username))
}

/**
 * At least `total` distinct live access tokens: each refresh issues a fresh one (new jti) for a live
 * session, so no login (and no argon2) is needed beyond the sessions'. The refreshes are driven by
 * autocannon, one connection per session, each session rotating sequentially as a client does.
 */
export async function mintAccessTokens (server: string, sessions: HeldSession[], total: number): Promise<string[]> {
  const tokens = sessions.map((session) => session.accessToken)
  const wanted = total - tokens.length
  if (wanted <= 0) return tokens
  const result = await runLoad({
    url: server,
    connections: sessions.length,
    duration: 60,
    amount: wanted,
    method: 'POST',
    path: '/auth/refresh',
    setupClient: refreshChainClients(sessions, (token) => { tokens.push(token) })
  })
  if (result.failed > 0) throw new Error(`minting access tokens: ${result.failed} refreshes failed (${JSON.stringify(result.statusCodes)})`)
  return tokens
}

/** What GET /api/me answers `token` (the server's route, or any gateway's /api/*): status and error code. */
export async function meAnswer (url: string, token: string): Promise<{ status: number, code?: string }> {
  const response = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } })
  const text = await response.text()
  if (response.status === 200) return { status: 200 }
  let code: unknown
  try { code = (JSON.parse(text) as { code?: unknown }).code } catch { /* not JSON: no code */ }
  return { status: response.status, code: typeof code === 'string' ? code : undefined }
}

/** Ends the session of `token` through POST /auth/logout with it as bearer (204 whether or not it lived). */
export async function logoutWithBearer (server: string, token: string): Promise<void> {
  const response = await fetch(`${server}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  const text = await response.text()
  if (response.status !== 204) throw new Error(`logout: ${response.status} ${text}`)
}

/**
 * Asks `url` about `token` back to back until it answers 401 with `code` (the refusal of an ended
 * session); returns the ms from the call to that answer, or null when it still accepted the token
 * after `limitMs`. Any other answer is an error.
 */
export async function msUntilRefused (url: string, token: string, code: string, limitMs: number): Promise<number | null> {
  const start = performance.now()
  while (performance.now() - start < limitMs) {
    const answer = await meAnswer(url, token)
    if (answer.status === 401 && answer.code === code) return performance.now() - start
    if (answer.status !== 200) throw new Error(`${url}/api/me answered ${answer.status} ${answer.code ?? ''} while waiting for ${code}`)
  }
  return null
}
