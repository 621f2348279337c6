// RFC 8265's UsernameCaseMapped profile as src/domain/usernames.ts and src/domain/precis.ts write
// it out: the IdentifierClass derivation (RFC 8264 §8, §9), the contextual rules (RFC 5892
// Appendix A), the Bidi Rule (RFC 5893 §2), width and case mapping and NFC (RFC 8265 §3.3), and
// the old stored form (NFKC, lower case) that login still finds.
import t from 'tap'
import fc from 'fast-check'
import { identifierProperty, type DerivedProperty } from '../../src/domain/precis.js'
import { legacyUsername, usernameCaseMapped, usernameForLogin, usernameForRegistration } from '../../src/domain/usernames.js'

const name = (raw: string): string | undefined => usernameCaseMapped(raw).username

t.test('the IdentifierClass derivation, category by category (RFC 8264 §8)', async (t) => {
  const cases: Array<[number, DerivedProperty, string]> = [
    [0x61, 'PVALID', 'ASCII7 (K)'], [0x40, 'PVALID', '"@" is ASCII7'], [0x7E, 'PVALID', '"~" is ASCII7'],
    [0xDF, 'PVALID', 'ß: Exceptions PVALID (F)'], [0x3C2, 'PVALID', 'final sigma: Exceptions PVALID'],
    [0x640, 'DISALLOWED', 'Arabic tatweel: Exceptions DISALLOWED'], [0x3031, 'DISALLOWED', 'vertical kana repeat mark: Exceptions DISALLOWED'],
    [0xB7, 'CONTEXTO', 'middle dot: Exceptions CONTEXTO'], [0x661, 'CONTEXTO', 'Arabic-Indic digit one: CONTEXTO'],
    [0x378, 'UNASSIGNED', 'an unassigned Greek code point (J)'], [0xFDD0, 'DISALLOWED', 'a noncharacter is not "unassigned" but ignorable (M)'],
    [0x200C, 'CONTEXTJ', 'ZWNJ: JoinControl (H)'], [0x200D, 'CONTEXTJ', 'ZWJ: JoinControl (H)'],
    [0x1100, 'DISALLOWED', 'a conjoining jamo: OldHangulJamo (I)'], [0xAD, 'DISALLOWED', 'soft hyphen: Default_Ignorable (M)'],
    [0x200B, 'DISALLOWED', 'zero-width space: Default_Ignorable (M)'], [0x202E, 'DISALLOWED', 'right-to-left override: Default_Ignorable (M)'],
    [0x7, 'DISALLOWED', 'BEL: Controls (L)'], [0x85, 'DISALLOWED', 'NEL: Controls (L)'],
    [0xFB01, 'DISALLOWED', 'a ligature: HasCompat (Q)'], [0x2163, 'DISALLOWED', 'Roman numeral four: HasCompat'], [0xFF21, 'DISALLOWED', 'fullwidth A (mapped before the class applies)'],
    [0xE9, 'PVALID', 'é: LetterDigits (A)'], [0x416, 'PVALID', 'Cyrillic: LetterDigits'], [0x4E00, 'PVALID', 'Han: LetterDigits'], [0x301, 'PVALID', 'a combining accent (Mn)'],
    [0x16EE, 'DISALLOWED', 'a runic number (Nl): OtherLetterDigits (R)'], [0x20, 'DISALLOWED', 'space: Spaces (N)'], [0x3000, 'DISALLOWED', 'ideographic space'],
    [0x2605, 'DISALLOWED', 'a star: Symbols (O)'], [0x1F600, 'DISALLOWED', 'an emoji: Symbols'], [0xA1, 'DISALLOWED', '¡: Punctuation (P)'],
    [0xE000, 'DISALLOWED', 'private use'], [0xD800, 'DISALLOWED', 'a surrogate']
  ]
  for (const [codePoint, property, what] of cases) t.equal(identifierProperty(codePoint), property, what)
})

t.test('contextual rules (RFC 5892 Appendix A)', async (t) => {
  t.equal(name('col·legi'), 'col·legi', 'A.3: a middle dot between two l\'s')
  t.equal(name('co·legi'), undefined, 'A.3: but not elsewhere')
  t.equal(name('͵αβγ'), '͵αβγ', 'A.4: keraia before Greek')
  t.equal(name('͵abc'), undefined, 'A.4: not before Latin')
  t.equal(name('אב׳ג'), 'אב׳ג', 'A.5: geresh after Hebrew')
  t.equal(name('ab׳c'), undefined, 'A.5: not after Latin')
  t.equal(name('カ・カ'), 'カ・カ', 'A.7: katakana middle dot with kana')
  t.equal(name('ab・c'), undefined, 'A.7: not without kana or Han')
  t.equal(name('بب١٢'), 'بب١٢', 'A.8: Arabic-Indic digits alone')
  t.equal(name('بب١۲'), undefined, 'A.8, A.9: never mixed with Extended Arabic-Indic digits')
  t.equal(name('a\u200cbc'), undefined, 'CONTEXTJ is refused outright (its rules need data JavaScript lacks)')
})

t.test('the Bidi Rule for names holding right-to-left characters (RFC 5893 §2)', async (t) => {
  t.equal(name('אבג'), 'אבג', 'all Hebrew')
  t.equal(name('אבג1'), 'אבג1', 'RTL ending in a European digit (condition 3)')
  t.equal(name('אבג1٢'), undefined, 'European and Arabic digits together in RTL (condition 4)')
  t.equal(name('אבגa'), undefined, 'a left-to-right letter in an RTL name (condition 2)')
  t.equal(name('abcא'), undefined, 'a right-to-left letter in an LTR name (condition 5)')
  t.equal(name('١٢٣'), undefined, 'starting with an Arabic digit (condition 1)')
  t.equal(name('אב-'), undefined, 'RTL ending in punctuation (condition 3)')
  t.equal(name('ab-c'), 'ab-c', 'no right-to-left character: the Bidi Rule does not apply')
  t.match(usernameCaseMapped('אבגa').problem, /Bidi Rule/)
})

t.test('width mapping, case mapping, NFC (RFC 8265 §3.3)', async (t) => {
  t.equal(name('ＡＢＣ'), 'abc', 'fullwidth Latin')
  t.equal(name('ｱｲｳ'), 'アイウ', 'halfwidth katakana')
  t.equal(name('ﾊﾞｶﾔ'), 'バカヤ', 'a halfwidth voiced mark composes (NFC)')
  t.equal(name('ΣΑΣ'), 'σας', 'toLowerCase, final sigma included')
  t.equal(name('Straße'), 'straße', 'ß is kept: case mapping, not case folding')
  t.equal(name('Jose\u0301'), 'josé', 'NFC composes')
  t.equal(name('ab'), undefined, 'under 3 characters')
  t.match(usernameCaseMapped('ada ').problem, /U\+0020, a space.*RFC 8265/)
  t.match(usernameCaseMapped('\ud800ab').problem, /lone surrogate/)
})

t.test('enforcing an enforced name changes nothing (RFC 8264 §7)', async (t) => {
  const text = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'Z', 'é', 'E\u0301', 'ß', 'Σ', 'ς', 'İ', 'Ａ', 'ｶ', 'ﾞ', 'א', '1', '٣', '·', 'l', '-', '.', '\u0301', 'ǰ', 'J\u030c'), fc.constantFrom('x')), minLength: 1, maxLength: 12 })
  fc.assert(fc.property(text, (raw) => {
    const once = usernameCaseMapped(raw).username
    return once === undefined || usernameCaseMapped(once).username === once
  }), { seed: 8265, numRuns: 2000 })
  t.pass('2,000 generated names')
})

t.test('the old stored form: equal to the profile form for every single code point the profile allows', async (t) => {
  let allowed = 0
  const differing: string[] = []
  for (let codePoint = 0; codePoint <= 0x10FFFF; codePoint++) {
    if (codePoint >= 0xD800 && codePoint <= 0xDFFF) continue
    const char = String.fromCodePoint(codePoint)
    const enforced = name(char.repeat(3))
    if (enforced === undefined) continue
    allowed++
    if (legacyUsername(char.repeat(3)) !== enforced) differing.push(codePoint.toString(16))
  }
  t.ok(allowed > 100_000, `${allowed} code points allowed`)
  t.same(differing, [], 'so login looks one form up for them')
})

t.test('registration and login find names stored in the old form', async (t) => {
  t.same(usernameForLogin('Ada').forms, ['ada'], 'an ordinary name: one form')
  t.same(usernameForLogin('H\u0331ANNA').forms, ['ẖanna', 'h\u0331anna'], 'typed in upper case, once stored decomposed')
  t.same(usernameForRegistration('ẖanna').forms, ['ẖanna', 'h\u0331anna'], 'registering it in lower case finds the upper-case spelling\'s old form')
  t.same(usernameForLogin('ada☆').forms, ['ada☆'], 'a name the profile refuses: its old form only')
  t.throws(() => usernameForRegistration('ada☆'), { code: 'AUTH_BAD_REQUEST', message: /U\+2606, a symbol/ })
  t.throws(() => usernameForLogin('ad\u0000a'), { code: 'AUTH_BAD_REQUEST' }, 'no form at all: 400')
})
