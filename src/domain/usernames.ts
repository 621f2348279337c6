// Usernames are compared in one canonical form: Unicode NFKC, then lower-case (docs/http-api.md,
// "Usernames and passwords"), so "Ａｌｉｃｅ" and "alice" are the same account.
export const USERNAME_MIN_LENGTH = 3
export const USERNAME_MAX_LENGTH = 64

const CONTROL_CHARACTER = /\p{Cc}/u

/** The canonical username, or null when it breaks the contract's rules. */
export function normaliseUsername (username: string): string | null {
  const normalised = username.normalize('NFKC').toLowerCase()
  const length = [...normalised].length
  if (length < USERNAME_MIN_LENGTH || length > USERNAME_MAX_LENGTH) return null
  if (CONTROL_CHARACTER.test(normalised) || !normalised.isWellFormed()) return null
  return normalised
}
