// The PRECIS IdentifierClass (RFC 8264 §4.2) and the rules its profiles lean on: width mapping
// (RFC 8264 §9.1), the contextual rules of RFC 5892 Appendix A, and the Bidi Rule (RFC 5893 §2).
// No maintained PRECIS implementation exists for Node (the one on npm implements RFC 7564, which
// RFC 8264 obsoletes, and is no longer published), so the rules are written out here, each with
// its section. The Unicode data is the runtime's own (V8's \p{...} property escapes and
// String.prototype.normalize), apart from bidirectional classes, which JavaScript does not expose
// and bidi-js supplies.
import bidiJs, { type BidiCharTypeName } from 'bidi-js'

// bidi-js is CommonJS (module.exports is the factory) while its types declare an ES default export.
const bidi = (bidiJs as unknown as typeof bidiJs.default)()

/** RFC 8264 §8 derived property values that matter to the IdentifierClass. */
export type DerivedProperty = 'PVALID' | 'CONTEXTJ' | 'CONTEXTO' | 'DISALLOWED' | 'UNASSIGNED'

/** Why a code point is not PVALID, in words a user can act on. */
export type DisallowedKind = 'space' | 'control' | 'invisible' | 'compatibility' | 'symbol or punctuation' | 'unassigned' | 'joiner' | 'other'

// RFC 5892 §2.6, Exceptions (F), as RFC 8264 §9.6 adopts them.
const EXCEPTION_PVALID = new Set([0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007])
const EXCEPTION_CONTEXTO = new Set([0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB, ...range(0x0660, 0x0669), ...range(0x06F0, 0x06F9)])
const EXCEPTION_DISALLOWED = new Set([0x0640, 0x07FA, 0x302E, 0x302F, ...range(0x3031, 0x3035), 0x303B])

function range (first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i)
}

const UNASSIGNED = /^\p{Cn}$/u // RFC 8264 §9.10 (J): Cn, noncharacters excepted (below)
const NONCHARACTER = /^\p{Noncharacter_Code_Point}$/u
const JOIN_CONTROL = /^\p{Join_Control}$/u // §9.8 (H)
// §9.9 (I): Hangul_Syllable_Type L, V or T, the conjoining jamo blocks.
const OLD_HANGUL_JAMO = /^[\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF]$/u
const IGNORABLE = /^[\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]$/u // §9.13 (M)
const CONTROL = /^\p{Cc}$/u // §9.12 (L)
const LETTER_DIGIT = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u // §9.1 (A)
const SPACE = /^\p{Zs}$/u // §9.14 (N)
const SYMBOL_OR_PUNCTUATION = /^[\p{S}\p{P}]$/u // §9.15 (O), §9.16 (P)

/**
 * The code point's derived property in the IdentifierClass, following the order of RFC 8264 §8.
 * ID_DIS (HasCompat, OtherLetterDigits, Spaces, Symbols, Punctuation) is DISALLOWED here: the
 * IdentifierClass refuses what only the FreeformClass allows.
 */
export function identifierProperty (codePoint: number): DerivedProperty {
  if (EXCEPTION_PVALID.has(codePoint)) return 'PVALID'
  if (EXCEPTION_CONTEXTO.has(codePoint)) return 'CONTEXTO'
  if (EXCEPTION_DISALLOWED.has(codePoint)) return 'DISALLOWED'
  // BackwardCompatible (G, §9.7) is empty.
  const char = String.fromCodePoint(codePoint)
  if (UNASSIGNED.test(char) && !NONCHARACTER.test(char)) return 'UNASSIGNED'
  if (codePoint >= 0x21 && codePoint <= 0x7E) return 'PVALID' // ASCII7 (K, §9.11)
  if (JOIN_CONTROL.test(char)) return 'CONTEXTJ'
  if (OLD_HANGUL_JAMO.test(char) || IGNORABLE.test(char) || CONTROL.test(char)) return 'DISALLOWED'
  if (char.normalize('NFKC') !== char) return 'DISALLOWED' // HasCompat (Q, §9.17)
  if (LETTER_DIGIT.test(char)) return 'PVALID'
  return 'DISALLOWED'
}

/** What kind of character a non-PVALID code point is, for the refusal's message. */
export function disallowedKind (codePoint: number): DisallowedKind {
  const char = String.fromCodePoint(codePoint)
  if (JOIN_CONTROL.test(char)) return 'joiner'
  if (SPACE.test(char) || /^\s$/u.test(char)) return 'space'
  if (CONTROL.test(char)) return 'control'
  if (UNASSIGNED.test(char) && !NONCHARACTER.test(char)) return 'unassigned'
  if (IGNORABLE.test(char) || /^\p{Cf}$/u.test(char)) return 'invisible'
  if (char.normalize('NFKC') !== char) return 'compatibility'
  if (SYMBOL_OR_PUNCTUATION.test(char)) return 'symbol or punctuation'
  return 'other'
}

// RFC 8264 §9.1 leaves width mapping to the profile; RFC 8265 §3.3.1 maps fullwidth and halfwidth
// code points to their decomposition mappings (<wide> and <narrow> in UnicodeData.txt): U+3000 and
// the Halfwidth and Fullwidth Forms block. Each is replaced by its compatibility decomposition.
const WIDTH_FORM = /[\u3000\uFF01-\uFFEE]/gu

export function mapWidth (text: string): string {
  return text.replace(WIDTH_FORM, (char) => char.normalize('NFKD'))
}

const GREEK = /^\p{Script=Greek}$/u
const HEBREW = /^\p{Script=Hebrew}$/u
const KANA_OR_HAN = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u
const ARABIC_INDIC_DIGIT = /[\u0660-\u0669]/u
const EXTENDED_ARABIC_INDIC_DIGIT = /[\u06F0-\u06F9]/u

/**
 * Whether the CONTEXTO code point at `index` of `codePoints` meets its rule (RFC 5892 Appendix A.3
 * to A.9). `codePoints` is the whole string, as the rules look at neighbours or the whole label.
 */
export function contextRuleHolds (codePoints: readonly string[], index: number): boolean {
  const at = codePoints[index]?.codePointAt(0)
  const before = codePoints[index - 1] ?? ''
  const after = codePoints[index + 1] ?? ''
  const whole = codePoints.join('')
  switch (at) {
    case 0x00B7: return before === 'l' && after === 'l' // A.3 MIDDLE DOT: between two l's (Catalan)
    case 0x0375: return GREEK.test(after) // A.4 GREEK LOWER NUMERAL SIGN: before Greek
    case 0x05F3: case 0x05F4: return HEBREW.test(before) // A.5, A.6 GERESH, GERSHAYIM: after Hebrew
    case 0x30FB: return KANA_OR_HAN.test(whole) // A.7 KATAKANA MIDDLE DOT: with kana or Han
    default:
      // A.8, A.9: Arabic-Indic and Extended Arabic-Indic digits are never mixed.
      if (at !== undefined && at >= 0x0660 && at <= 0x0669) return !EXTENDED_ARABIC_INDIC_DIGIT.test(whole)
      if (at !== undefined && at >= 0x06F0 && at <= 0x06F9) return !ARABIC_INDIC_DIGIT.test(whole)
      return false
  }
}

const RTL_CLASSES = new Set<BidiCharTypeName>(['R', 'AL', 'AN'])
const RTL_ALLOWED = new Set<BidiCharTypeName>(['R', 'AL', 'AN', 'EN', 'ES', 'CS', 'ET', 'ON', 'BN', 'NSM'])
const LTR_ALLOWED = new Set<BidiCharTypeName>(['L', 'EN', 'ES', 'CS', 'ET', 'ON', 'BN', 'NSM'])

/** Whether a string holds a right-to-left code point (class R, AL or AN: RFC 5893 §1.4). */
export function hasRightToLeft (codePoints: readonly string[]): boolean {
  return codePoints.some((char) => RTL_CLASSES.has(bidi.getBidiCharTypeName(char)))
}

/** RFC 5893 §2, the Bidi Rule's six conditions, for a string that holds right-to-left code points. */
export function bidiRuleHolds (codePoints: readonly string[]): boolean {
  const classes = codePoints.map((char) => bidi.getBidiCharTypeName(char))
  const first = classes[0]
  // Condition 6 and 3 look at the last character that is not a non-spacing mark.
  const last = classes.findLast((kind) => kind !== 'NSM')
  if (first === 'R' || first === 'AL') {
    return classes.every((kind) => RTL_ALLOWED.has(kind)) && // 2
      (last === 'R' || last === 'AL' || last === 'EN' || last === 'AN') && // 3
      !(classes.includes('EN') && classes.includes('AN')) // 4
  }
  if (first === 'L') {
    return classes.every((kind) => LTR_ALLOWED.has(kind)) && (last === 'L' || last === 'EN') // 5, 6
  }
  return false // 1: the first character is L, R or AL
}
