// The browser client: keeps the access token in memory, refreshes it before it expires and when Rotor
// says it has, with one refresh shared by every call of the tab and, through tab-sync.ts, by every tab
// of the origin; tells a session's end (which only a new login undoes) apart from a failure (which
// another try mends).
import { errorOf, isSessionEndCode, retryDelay, RotorError, type SessionEndCode } from './errors.js'
import { createTabSync, type TabMessage } from './tab-sync.js'

export interface RotorClientOptions {
  /** Where Rotor answers, such as `https://auth.example.com`; default: this page's origin. */
  baseUrl?: string
  /** Origins whose requests made through `fetch` carry the access token; default: the origin of `baseUrl` only. */
  apiOrigins?: string[]
  /** Longest wait (ms) for another tab's refresh before this tab refreshes by itself; default 10 000. */
  lockWaitMs?: number
  /** Longest wait (ms) for Rotor's answer to a refresh before it counts as failed and is tried again; default 10 000. */
  requestTimeoutMs?: number
}

/** Why a session ended: this or another tab logged out, or Rotor's code for a session it has ended. */
export type SessionEndReason = 'logout' | 'logout-all' | SessionEndCode

export interface RotorClient {
  /** Logs in (`POST /auth/login`); rejects with a RotorError (`AUTH_INVALID_CREDENTIALS`, `AUTH_RATE_LIMITED`, ...). */
  login (username: string, password: string): Promise<void>
  /** Ends this session for every tab; rejects, keeping the session, when Rotor could not be told. */
  logout (): Promise<void>
  /** Ends every session of the user, in every browser; rejects, keeping the session, when Rotor could not be told. */
  logoutAll (): Promise<void>
  /**
   * `fetch` with the access token: a path starting with `/` is resolved against `baseUrl`. On
   * `401 AUTH_TOKEN_EXPIRED` it refreshes (once, shared) and sends the request once more.
   */
  fetch (input: string | URL | Request, init?: RequestInit): Promise<Response>
  /** A valid access token, refreshing first when needed (on a fresh page: restoring the session); null without a session. */
  getAccessToken (): Promise<string | null>
  /** Called once per session, in every tab, when it ends. Returns a function that removes the listener. */
  onSessionEnd (listener: (reason: SessionEndReason) => void): () => void
  /** Called with each new access token, and with null when the session ends. Returns a function that removes the listener. */
  onTokenChange (listener: (token: string | null) => void): () => void
  /** Stops timers and leaves the tabs' channel: for pages that make and drop clients. */
  close (): void
}

interface TokenAnswer { accessToken: string, expiresIn: number }

/** Calls see a token as expired this long before its `exp`, so it does not run out on the way. */
const IN_FLIGHT_MARGIN_MS = 1000

export function createRotorClient (options: RotorClientOptions = {}): RotorClient {
  const root = (options.baseUrl ?? location.origin).replace(/\/$/, '')
  const apiOrigins = options.apiOrigins ?? [new URL(root, location.href).origin]
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000
  const endListeners = new Set<(reason: SessionEndReason) => void>()
  const tokenListeners = new Set<(token: string | null) => void>()

  let token: string | null = null
  let expiresAt = 0
  let issuedAt = 0
  let refreshAt = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  /** This tab holds a token of a live session, so its end is news to tell the listeners. */
  let inSession = false
  /** Rotor said the session is over: no refresh is tried until a login or another tab's token. */
  let ended = false
  let refreshing: Promise<string | null> | undefined

  const sync = createTabSync(`rotor ${root}`, options.lockWaitMs ?? 10_000, receive)
  const isFresh = (): boolean => token !== null && Date.now() < expiresAt - IN_FLIGHT_MARGIN_MS

  function adopt (next: string, nextExpiresAt: number, lifetime: number, tellTabs: boolean): void {
    token = next
    expiresAt = nextExpiresAt
    issuedAt = nextExpiresAt - lifetime
    inSession = true
    ended = false
    // Ahead of exp by up to a quarter of the lifetime (at most a minute), jittered so the tabs of an
    // origin, and the clients of a server, do not all refresh at the same moment.
    refreshAt = nextExpiresAt - Math.min(lifetime / 4, 60_000) * (0.5 + Math.random() / 2)
    clearTimeout(timer)
    timer = setTimeout(refreshInBackground, refreshAt - Date.now())
    if (tellTabs) sync.post({ type: 'token', token: next, expiresAt: nextExpiresAt, lifetime })
    for (const listener of tokenListeners) listener(next)
  }

  function adoptAnswer (answer: TokenAnswer, sentAt: number): void {
    // Counted from when the request left: the server issued the token after that.
    adopt(answer.accessToken, sentAt + answer.expiresIn * 1000, answer.expiresIn * 1000, true)
  }

  function end (reason: SessionEndReason, tellTabs: boolean, since = Date.now()): void {
    const wasInSession = inSession
    clearTimeout(timer)
    token = null
    expiresAt = 0
    inSession = false
    ended = true
    // Told even from a tab that had no token yet: the cookie, and so the session, is every tab's.
    if (tellTabs) sync.post({ type: 'end', reason, since })
    if (!wasInSession) return
    for (const listener of tokenListeners) listener(null)
    for (const listener of endListeners) listener(reason)
  }

  function receive (message: TabMessage): void {
    if (message.type === 'token') {
      if (message.expiresAt > expiresAt) adopt(message.token, message.expiresAt, message.lifetime, false)
    } else if (message.since >= issuedAt) {
      // Not an end for a token issued after the request that found the session over was sent: that
      // token is a newer session's (a login in another tab while the request was out).
      end(message.reason as SessionEndReason, false)
    }
  }

  function post (path: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
    return fetch(root + path, {
      method: 'POST',
      credentials: 'include',
      // Rotor refuses a cookie-authenticated request without this header (AUTH_CSRF).
      headers: { 'x-requested-with': 'rotor', ...headers },
      body,
      signal: AbortSignal.timeout(requestTimeoutMs)
    })
  }

  /** One refresh for every caller in this tab: the first starts it, the rest wait for its outcome. */
  function refresh (stale: string | null): Promise<string | null> {
    refreshing ??= refreshUntilAnswered(stale).finally(() => { refreshing = undefined })
    return refreshing
  }

  async function refreshUntilAnswered (stale: string | null): Promise<string | null> {
    for (let failures = 0; ; failures++) {
      const outcome = await sync.exclusive(() => refreshOnce(stale, failures))
      if (typeof outcome !== 'number') return outcome
      await new Promise((resolve) => setTimeout(resolve, outcome))
    }
  }

  /** The new token, null when the session is over, or the milliseconds to wait before trying again. */
  async function refreshOnce (stale: string | null, failures: number): Promise<string | null | number> {
    // Another tab (whose token arrived while this one waited for the lock) or a login got there first.
    if (token !== stale && isFresh()) return token
    if (ended) return null
    const sentAt = Date.now()
    let response: Response
    try {
      response = await post('/auth/refresh')
    } catch {
      return retryDelay(undefined, failures)
    }
    if (response.ok) {
      adoptAnswer(await response.json() as TokenAnswer, sentAt)
      return token
    }
    const delay = retryDelay(response, failures)
    if (delay >= 0) return delay
    const error = await errorOf(response)
    if (!isSessionEndCode(error.code)) throw error
    // A login in another tab while this refresh was out set a new cookie: the failure is the old session's.
    if (token !== stale && isFresh()) return token
    end(error.code, true, sentAt)
    return null
  }

  function refreshInBackground (): void {
    refresh(token).catch(() => {
      // A refresh refused for a reason that is not the session's end (a misconfigured proxy, say)
      // shows on the next call that needs the token; the timer has nobody to tell.
    })
  }

  // Timers do not run in a frozen tab, and a page restored from the back/forward cache missed the
  // other tabs' messages: look at the clock again whenever the page comes back.
  function refreshIfDue (): void {
    if (document.visibilityState === 'visible' && token !== null && Date.now() >= refreshAt) refreshInBackground()
  }
  document.addEventListener('visibilitychange', refreshIfDue)
  addEventListener('pageshow', refreshIfDue)

  async function getAccessToken (): Promise<string | null> {
    if (isFresh()) return token
    if (ended) return null
    return await refresh(token)
  }

  async function authorizedFetch (input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(typeof input === 'string' && input.startsWith('/') ? root + input : input, init)
    const used = apiOrigins.includes(new URL(request.url).origin) ? await getAccessToken() : null
    const send = (bearer: string | null, copy: Request): Promise<Response> => {
      if (bearer !== null) copy.headers.set('authorization', `Bearer ${bearer}`)
      return fetch(copy)
    }
    const sentAt = Date.now()
    const response = await send(used, request.clone())
    if (used === null || response.status !== 401) return response
    const { code } = await errorOf(response)
    if (code === 'AUTH_SESSION_ENDED' && token === used) end(code, true, sentAt)
    if (code !== 'AUTH_TOKEN_EXPIRED') return response
    const next = await refresh(used)
    return next === null ? response : await send(next, request)
  }

  /** Logout and logout-all hold the refresh lock, so no tab's refresh lands after the session ended. */
  async function endOnServer (path: string, reason: SessionEndReason, bearer?: string): Promise<void> {
    await refreshing?.catch(() => undefined)
    const response = await sync.exclusive(() => post(path, bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }))
    if (!response.ok) {
      const error = await errorOf(response)
      // Already over on the server: nothing left to end there.
      if (!isSessionEndCode(error.code)) throw error
    }
    end(reason, true)
  }

  return {
    async login (username, password) {
      const sentAt = Date.now()
      const response = await post('/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ username, password }))
      if (!response.ok) throw await errorOf(response)
      adoptAnswer(await response.json() as TokenAnswer, sentAt)
    },
    logout: () => endOnServer('/auth/logout', 'logout'),
    async logoutAll () {
      const bearer = await getAccessToken()
      if (bearer === null) throw new RotorError(401, 'AUTH_TOKEN_MISSING', 'No session to end: log in first.')
      await endOnServer('/auth/logout-all', 'logout-all', bearer)
    },
    fetch: authorizedFetch,
    getAccessToken,
    onSessionEnd (listener) {
      endListeners.add(listener)
      return () => { endListeners.delete(listener) }
    },
    onTokenChange (listener) {
      tokenListeners.add(listener)
      return () => { tokenListeners.delete(listener) }
    },
    close () {
      clearTimeout(timer)
      sync.close()
      document.removeEventListener('visibilitychange', refreshIfDue)
      removeEventListener('pageshow', refreshIfDue)
    }
  }
}
