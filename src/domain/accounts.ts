// Accounts: register, authenticate (under the login throttle), log in (authenticate, start a session
// and mint a device cookie), change password (ends every other session). Takes raw input and throws
// coded errors.
import { BadRequestError, InvalidCredentialsError, UsernameTakenError, WrongCurrentPasswordError } from '../errors.js'
import type { AuthStore, UserRecord } from '../store/types.js'
import { mintDeviceCookie, readDeviceCookie, type DeviceCookie, type DeviceCookieKeys } from './device-cookies.js'
import { releaseLoginAttempt, reserveLoginAttempt, type LoginThrottleDeps, type ReservedAttempt } from './login-throttle.js'
import { dummyPasswordHash, hashPassword, normalisePassword, passwordLengthRule, verifyPassword } from './passwords.js'
import { newId } from './refresh-tokens.js'
import { startSession, type IssuedRefreshToken, type SessionDeps } from './sessions.js'
import { usernameForLogin, usernameForRegistration } from './usernames.js'

export interface AccountDeps {
  store: AuthStore
  now: () => number
}

/** What checking a password under the login throttle takes. */
export type ThrottledDeps = AccountDeps & LoginThrottleDeps & { keys: DeviceCookieKeys }

export type LoginDeps = ThrottledDeps & SessionDeps & {
  config: LoginThrottleDeps['config'] & SessionDeps['config']
  keys: DeviceCookieKeys & SessionDeps['keys']
}

export interface Credentials {
  username: string
  password: string
}

/**
 * Why credentials were refused. Both answer AUTH_INVALID_CREDENTIALS byte for byte; only the audit
 * log and the metrics tell them apart (the caller reads these fields off the thrown error).
 */
export type CredentialsRefusal = { reason: 'unknown_user' } | { reason: 'wrong_password', userId: string }
export type RefusedCredentials = InstanceType<typeof InvalidCredentialsError> & CredentialsRefusal

function refused (refusal: CredentialsRefusal): RefusedCredentials {
  return Object.assign(new InvalidCredentialsError(), refusal)
}

/** Who logs in from where, as the session records it, and the device cookie it presented. */
export interface LoginClient {
  ip: string
  userAgent: string
  /** The device cookies it presented (any one valid for the username makes it a known device). */
  deviceCookies?: readonly string[]
}

export interface LoggedIn {
  user: UserRecord
  session: IssuedRefreshToken
  /** A new device cookie for this client and account (a fresh device id, a fresh failure count). */
  deviceCookie: DeviceCookie
  /** Set when only the give-back of the reserved attempt failed: the attempt stays counted (the safe side). */
  releaseError?: unknown
}

/** The first account stored under one of `forms` (a name's profile form first, then its old forms). */
async function findUserByForms (store: AuthStore, forms: readonly string[]): Promise<UserRecord | null> {
  const found = await Promise.all(forms.map(async (form) => await store.findUserByUsername(form)))
  return found.find((user) => user !== null) ?? null
}

function requirePassword (raw: string, field = 'password'): string {
  const password = normalisePassword(raw)
  if (password === null) throw new BadRequestError(passwordLengthRule(field))
  return password
}

/**
 * Checks a password so that an unknown user costs the same argon2 work as a wrong password and
 * both end in the same InvalidCredentialsError (docs/http-api.md, AUTH_INVALID_CREDENTIALS).
 */
async function checkPassword (user: UserRecord | null, password: string): Promise<UserRecord> {
  if (user === null) return await refuseUnknownUser(password)
  if (!await verifyPassword(user.passwordHash, password)) throw refused({ reason: 'wrong_password', userId: user.id })
  return user
}

async function refuseUnknownUser (password: string): Promise<never> {
  await verifyPassword(await dummyPasswordHash(), password)
  throw refused({ reason: 'unknown_user' })
}

/** Reserves an attempt for the name, under a device's own counter when a cookie is valid for it. */
async function reserveAttempt (deps: ThrottledDeps, normalisedUsername: string, deviceCookies: readonly string[] = []): Promise<ReservedAttempt> {
  let knownDeviceId: string | null = null
  for (const cookie of deviceCookies) {
    knownDeviceId = readDeviceCookie(deps.keys, cookie, normalisedUsername, deps.now())
    if (knownDeviceId !== null) break
  }
  return await reserveLoginAttempt(deps, normalisedUsername, knownDeviceId)
}

async function releaseQuietly (deps: LoginThrottleDeps, attempt: ReservedAttempt): Promise<void> {
  await releaseLoginAttempt(deps, attempt).catch(() => { /* the store is away: the original error says so */ })
}

export async function registerAccount (deps: AccountDeps, credentials: Credentials): Promise<{ id: string, username: string }> {
  const { username, forms } = usernameForRegistration(credentials.username)
  const password = requirePassword(credentials.password)
  // Spare the argon2 work for a name already taken; createUser below stays the atomic check. An
  // account registered before the username profile applied may hold the name in an old form.
  if (await findUserByForms(deps.store, forms) !== null) throw new UsernameTakenError()
  const user = { id: newId(), username, passwordHash: await hashPassword(password), createdAt: deps.now() }
  if (await deps.store.createUser(user) === 'taken') throw new UsernameTakenError()
  return { id: user.id, username }
}

/**
 * Checks `credentials` under the login throttle (per device when one of `deviceCookies` is one we
 * minted for this username, else per username). The attempt is reserved and the user looked up
 * together, alongside `admit` (the caller's own admission check, such as a per-IP count), in one
 * round trip; nothing is decided before all three are settled, so no reservation is left behind by
 * a call that failed first, and a refused request hashes nothing. A wrong password (or unknown
 * user) stays counted; on success the caller owns the reservation and must release it.
 */
export async function authenticate (
  deps: ThrottledDeps,
  credentials: Credentials,
  deviceCookies: readonly string[] | undefined,
  admit: () => Promise<void> = async () => {}
): Promise<{ user: UserRecord, attempt: ReservedAttempt }> {
  const { username, forms } = usernameForLogin(credentials.username)
  const [admitting, reserving, lookingUp] = await Promise.allSettled([
    admit(),
    reserveAttempt(deps, username, deviceCookies),
    findUserByForms(deps.store, forms)
  ])
  if (admitting.status === 'rejected') {
    // Refused before any guess was made: the username's count goes back.
    if (reserving.status === 'fulfilled') await releaseQuietly(deps, reserving.value)
    throw admitting.reason
  }
  if (reserving.status === 'rejected') throw reserving.reason
  const attempt = reserving.value
  try {
    if (lookingUp.status === 'rejected') throw lookingUp.reason
    return { user: await checkPassword(lookingUp.value, requirePassword(credentials.password)), attempt }
  } catch (error) {
    if (!(error instanceof InvalidCredentialsError)) await releaseQuietly(deps, attempt)
    throw error
  }
}

/**
 * Authenticates and starts a session. The reservation goes back in the same round trip as the new
 * session; if only the give-back fails, the login still succeeds (see LoggedIn.releaseError).
 */
export async function logIn (
  deps: LoginDeps,
  credentials: Credentials,
  client: LoginClient,
  admit?: () => Promise<void>
): Promise<LoggedIn> {
  const { user, attempt } = await authenticate(deps, credentials, client.deviceCookies, admit)
  let releaseError: unknown
  const [session] = await Promise.all([
    startSession(deps, { userId: user.id, ip: client.ip, userAgent: client.userAgent }),
    releaseLoginAttempt(deps, attempt).catch((error: unknown) => { releaseError = error ?? new Error('release failed') })
  ])
  const deviceCookie = mintDeviceCookie(deps.keys, user.username, deps.now())
  return releaseError === undefined ? { user, session, deviceCookie } : { user, session, deviceCookie, releaseError }
}

// The caller holds an access token, so the refusal may say which field was wrong (docs/http-api.md).
function currentPasswordRefused (error: unknown): never {
  if (!(error instanceof InvalidCredentialsError)) throw error
  const refusal = error as RefusedCredentials
  const reason: CredentialsRefusal = refusal.reason === 'wrong_password' ? { reason: refusal.reason, userId: refusal.userId } : { reason: refusal.reason }
  throw Object.assign(new WrongCurrentPasswordError(), reason)
}

/**
 * Replaces the password of `userId` after checking `currentPassword`, and ends every session of the
 * user but `keepSessionId`. Returns how many sessions ended. A wrong `currentPassword` counts toward
 * LOGIN_MAX_FAILURES like a failed login (reserved before the check, on the same counter: the
 * username's, or a known device's own), so an access token is no licence to guess the
 * password; past the limit, RateLimitedError.
 */
export async function changePassword (
  deps: ThrottledDeps & Pick<SessionDeps, 'revocations'>,
  change: { userId: string, keepSessionId: string, currentPassword: string, newPassword: string, deviceCookies?: readonly string[] }
): Promise<number> {
  const current = requirePassword(change.currentPassword, 'currentPassword')
  const next = requirePassword(change.newPassword, 'newPassword')
  const found = await deps.store.findUserById(change.userId)
  // An account deleted under a live token: no name to count under, and the same answer as a wrong password.
  if (found === null) return await refuseUnknownUser(current).catch(currentPasswordRefused)
  const attempt = await reserveAttempt(deps, found.username, change.deviceCookies)
  let user: UserRecord
  try {
    user = await checkPassword(found, current)
  } catch (error) {
    if (!(error instanceof InvalidCredentialsError)) await releaseQuietly(deps, attempt)
    return currentPasswordRefused(error)
  }
  const [ended] = await Promise.all([
    hashPassword(next).then(async (passwordHash) => await deps.store.changePassword({
      userId: user.id, previousPasswordHash: user.passwordHash, passwordHash, keepSessionId: change.keepSessionId, now: deps.now()
    })),
    releaseQuietly(deps, attempt)
  ])
  // The hash changed meanwhile (a racing change won): this one no longer knows the password.
  if (ended < 0) return currentPasswordRefused(refused({ reason: 'wrong_password', userId: user.id }))
  if (ended > 0) await deps.revocations.catchUp()
  return ended
}
