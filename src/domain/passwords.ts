// Password hashing with argon2id (RFC 9106) at OWASP's minimum parameters: m=19 MiB, t=2, p=1.
// Hashing runs on threads of its own at a lower CPU priority (src/runtime/password-threads.ts), so logins never
// block the event loop nor take CPU it needs.
import { randomBytes } from 'node:crypto'
import type { Algorithm } from '@node-rs/argon2'
import { createPasswordThreads, type PasswordThreads } from '../runtime/password-threads.js'

export const ARGON2_OPTIONS = Object.freeze({
  // Algorithm.Argon2id: a const enum, which isolated modules cannot read, so its value is spelled out.
  algorithm: 2 as Algorithm,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1
})

export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_LENGTH = 1024

/**
 * What a password field must be, as a message: the enforced limits, counted as normalisePassword
 * counts (Unicode code points after NFKC, not bytes nor UTF-16 units).
 */
export function passwordLengthRule (field: string): string {
  return `${field} must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters (Unicode code points, counted after NFKC normalisation)`
}

/** NFKC, nothing else: no trimming, no truncation (docs/http-api.md, "Usernames and passwords"). */
export function normalisePassword (password: string): string | null {
  const normalised = password.normalize('NFKC')
  const length = [...normalised].length
  return length >= PASSWORD_MIN_LENGTH && length <= PASSWORD_MAX_LENGTH ? normalised : null
}

let threads: PasswordThreads | undefined

// One set of threads per process, started on the first hash.
function passwordThreads (): PasswordThreads {
  threads ??= createPasswordThreads(ARGON2_OPTIONS)
  return threads
}

export async function hashPassword (normalisedPassword: string): Promise<string> {
  return await passwordThreads().run({ op: 'hash', password: normalisedPassword }) as string
}

/** False for a wrong password and for a stored value that is not an argon2 hash. */
export async function verifyPassword (passwordHash: string, normalisedPassword: string): Promise<boolean> {
  return await passwordThreads().run({ op: 'verify', hash: passwordHash, password: normalisedPassword }) === true
}

let dummyHash: Promise<string> | undefined

/**
 * A hash of a random password with the same parameters. Checking an unknown user's login against
 * it costs the same work as a wrong password, so timing does not reveal which usernames exist.
 */
export async function dummyPasswordHash (): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(32).toString('base64url'))
  return await dummyHash
}
