// How the client reads Rotor's answers: the contract's error body, and which answers end a session,
// which are worth another try, and which are a mistake to report (docs/http-api.md, "Errors").

/** An answer of Rotor's that the call could not turn into success: its status and the contract's `code`. */
export class RotorError extends Error {
  readonly status: number
  readonly code: string

  constructor (status: number, code: string, message: string) {
    super(message)
    this.name = 'RotorError'
    this.status = status
    this.code = code
  }
}

/** Answers to a refresh (or a bearer call) after which the session cannot come back: only a new login helps. */
export const SESSION_END_CODES = ['AUTH_REFRESH_REUSED', 'AUTH_REFRESH_INVALID', 'AUTH_REFRESH_MISSING', 'AUTH_SESSION_ENDED'] as const

export type SessionEndCode = typeof SESSION_END_CODES[number]

export function isSessionEndCode (code: string): code is SessionEndCode {
  return (SESSION_END_CODES as readonly string[]).includes(code)
}

/** The error a non-2xx answer carries; an answer that is not the contract's JSON (a proxy's page) keeps its status. */
export async function errorOf (response: Response): Promise<RotorError> {
  const body = await response.clone().json().catch(() => ({})) as { code?: unknown, message?: unknown }
  return new RotorError(
    response.status,
    typeof body.code === 'string' ? body.code : '',
    typeof body.message === 'string' ? body.message : `Rotor answered ${response.status}`
  )
}

/**
 * Milliseconds to wait before trying again after `response` (or a network failure when undefined),
 * or -1 when another try cannot help. Nothing was spent on a 5xx (the contract: a 5xx never clears
 * the cookie), and a 429 names its wait in Retry-After (seconds).
 */
export function retryDelay (response: Response | undefined, failures: number): number {
  const status = response?.status ?? 0
  if (status !== 0 && status !== 408 && status !== 429 && status < 500) return -1
  const backOff = Math.min(8000, 500 * 2 ** failures) * (0.5 + Math.random() / 2)
  const retryAfter = Number(response?.headers.get('retry-after')) * 1000
  return retryAfter > backOff ? retryAfter : backOff
}
