// Usernames follow RFC 8265's UsernameCaseMapped profile (§3.3), so that one account has one name:
// "ada ", " ada", "a\u200bda" and "ad\u202ea" are refused rather than registered beside "ada",
// and "ＡＤＡ" and "ADA" are "ada". Names registered before the profile applied were stored in
// another form (NFKC, then lower case); login still finds them (usernameForLogin).
import { BadRequestError } from '../errors.js'
import { bidiRuleHolds, contextRuleHolds, disallowedKind, hasRightToLeft, identifierProperty, mapWidth } from './precis.js'

export const USERNAME_MIN_LENGTH = 3
export const USERNAME_MAX_LENGTH = 64

/** A username as the profile enforces it, or the rule it breaks (a message that says what to do). */
export type UsernameCheck = { username: string, problem?: undefined } | { username?: undefined, problem: string }

const RULE = 'usernames follow RFC 8265 (UsernameCaseMapped): letters, digits and ASCII punctuation, no spaces, invisible, control or symbol characters'

/** What a username's length must be, as a message: the enforced limits, counted as usernameCaseMapped counts. */
export const USERNAME_LENGTH_RULE = `username must be ${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} characters (counted after width mapping, lower-casing and NFC); ${RULE}`

function codePointLabel (char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

const KIND_ADVICE: Record<ReturnType<typeof disallowedKind>, string> = {
  space: 'a space',
  control: 'a control character',
  invisible: 'an invisible formatting character',
  joiner: 'a zero-width joiner',
  compatibility: 'a compatibility character: type its plain form',
  'symbol or punctuation': 'a symbol or punctuation mark outside ASCII',
  unassigned: 'a code point Unicode has not assigned',
  other: 'a character the profile does not allow'
}

// RFC 8264 §4.2 (the IdentifierClass) with RFC 5892 Appendix A for CONTEXTO. CONTEXTJ (the
// zero-width joiners) is refused outright: its rules need the canonical combining class and
// joining type of the neighbours, which JavaScript does not expose, and refusing is the safe side.
function classProblem (codePoints: readonly string[]): string | undefined {
  for (const [index, char] of codePoints.entries()) {
    const property = identifierProperty(char.codePointAt(0) ?? 0)
    if (property === 'PVALID') continue
    if (property === 'CONTEXTO' && contextRuleHolds(codePoints, index)) continue
    const what = property === 'CONTEXTO' ? 'a character allowed only in certain contexts (RFC 5892 Appendix A), not this one' : KIND_ADVICE[disallowedKind(char.codePointAt(0) ?? 0)]
    return `username contains ${codePointLabel(char)}, ${what}; ${RULE}`
  }
  return undefined
}

/**
 * Enforces RFC 8265 §3.3.2 (UsernameCaseMapped) and the contract's length: preparation (§3.3.1:
 * width mapping, then only IdentifierClass code points), then case mapping (toLowerCase), NFC, the
 * Bidi Rule for strings holding right-to-left code points, and 3 to 64 code points (the profile's
 * "not zero bytes" included). Enforcing an enforced name changes nothing (RFC 8264 §7), so the
 * result is checked against the class again.
 */
export function usernameCaseMapped (raw: string): UsernameCheck {
  if (!raw.isWellFormed()) return { problem: `username holds a lone surrogate (not a Unicode character); ${RULE}` }
  const prepared = [...mapWidth(raw)]
  const preparedProblem = classProblem(prepared)
  if (preparedProblem !== undefined) return { problem: preparedProblem }
  const enforced = prepared.join('').toLowerCase().normalize('NFC')
  const codePoints = [...enforced]
  const enforcedProblem = classProblem(codePoints)
  if (enforcedProblem !== undefined) return { problem: enforcedProblem }
  if (hasRightToLeft(codePoints) && !bidiRuleHolds(codePoints)) {
    return { problem: 'username mixes right-to-left and left-to-right text in an order RFC 5893\'s Bidi Rule refuses (it could display as another name): start and end it with letters of one direction' }
  }
  if (codePoints.length < USERNAME_MIN_LENGTH || codePoints.length > USERNAME_MAX_LENGTH) {
    return { problem: USERNAME_LENGTH_RULE }
  }
  return { username: enforced }
}

const CONTROL_CHARACTER = /\p{Cc}/u

/** The form names were stored in before the profile applied (NFKC, lower case, no controls), or null. */
export function legacyUsername (raw: string): string | null {
  const normalised = raw.normalize('NFKC').toLowerCase()
  const length = [...normalised].length
  if (length < USERNAME_MIN_LENGTH || length > USERNAME_MAX_LENGTH) return null
  if (CONTROL_CHARACTER.test(normalised) || !normalised.isWellFormed()) return null
  return normalised
}

/** A name as the store may hold it: `username` first (what is stored and throttled), then old forms. */
export interface UsernameForms {
  username: string
  /** Every stored form that is this name: `username`, then forms accounts registered earlier may hold. */
  forms: string[]
}

// NFKC-then-lower-case and the profile agree on nearly every valid name, but not all: lower-casing
// "H\u0331" gives a pair NFC composes (into U+1E96), so a name typed in upper case was stored
// decomposed. The old form of the name as typed and of its upper-case spelling cover both.
function withOldForms (username: string, raw: string): UsernameForms {
  const forms = [username]
  for (const old of [legacyUsername(raw), legacyUsername(username.toUpperCase())]) {
    if (old !== null && !forms.includes(old)) forms.push(old)
  }
  return { username, forms }
}

/** For registration: the enforced name and the forms that would be it, or BadRequestError naming the broken rule. */
export function usernameForRegistration (raw: string): UsernameForms {
  const check = usernameCaseMapped(raw)
  if (check.problem !== undefined) throw new BadRequestError(check.problem)
  return withOldForms(check.username, raw)
}

/**
 * For login: the stored forms to look up. A name the profile refuses may still be an account
 * registered before the profile applied: its owner logs in under the old form. Throws
 * BadRequestError, naming the profile's rule, when the name has no form at all.
 */
export function usernameForLogin (raw: string): UsernameForms {
  const check = usernameCaseMapped(raw)
  if (check.problem === undefined) return withOldForms(check.username, raw)
  const legacy = legacyUsername(raw)
  if (legacy === null) throw new BadRequestError(check.problem)
  return { username: legacy, forms: [legacy] }
}
