// Key-name warnings (issue 16, "Key names"): the signing key (the last name in byte order) that is
// not the newest date-named key, and names that look alike, each one line naming the files.
import t from 'tap'
import { dateOfKeyName, keyNameWarnings } from '../../src/domain/key-names.js'

function ring (...kids: string[]): { files: Array<{ kid: string, file: string }>, signing: string } {
  const sorted = [...kids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  return { files: sorted.map((kid) => ({ kid, file: `${kid}.pem` })), signing: sorted.at(-1) as string }
}

function warningsOf (...kids: string[]): string[] {
  const { files, signing } = ring(...kids)
  return keyNameWarnings(files, signing)
}

t.test('names made by npm run keys draw no warning', async (t) => {
  t.same(warningsOf('20251106T091500Z', '20261206T120000Z', '20261206T120001Z'), [])
  t.same(warningsOf('20261206T120000Z'), [], 'one key')
  t.same(warningsOf('primary'), [], 'one hand-named key')
  t.same(warningsOf('k1', 'k2'), [], 'names with nothing in common but their start letter')
})

t.test('a date-named key that sorts last without being the newest', async (t) => {
  // Byte order: 'Z' (0x5a) sorts after '0', so the minute-precision name signs, although 12:10:05 is later.
  const warnings = warningsOf('20261206T1210Z', '20261206T121005Z')
  t.equal(warnings.length, 1, warnings.join('\n'))
  t.equal(warnings[0], 'JWT_KEYS_DIR: "20261206T1210Z.pem" signs, as its name sorts last in byte order, although "20261206T121005Z.pem" is dated later: name keys only by the UTC second, YYYYMMDDTHHMMSSZ, as `npm run keys` does, so the newest key sorts last; add a key with `npm run keys`, which sorts after both')
})

t.test('a hand-named key that sorts after every date-named one', async (t) => {
  const warnings = warningsOf('20261206T120000Z', 'current')
  t.equal(warnings.length, 1, warnings.join('\n'))
  t.match(warnings[0], /^JWT_KEYS_DIR: "current\.pem" signs, as its name sorts last in byte order, although "20261206T120000Z\.pem" is dated later: .*; a date-named key never sorts after "current\.pem": it keeps signing until it is removed/)
})

t.test('names that look alike: one line per pair, naming both files', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['20261206T1200Z', '20261206T120000Z', /the same time in two spellings/],
    ['2026-12-06T12:00:00Z', '20261206T120000Z', /differ only by case, separators or lookalike characters/],
    ['key-a', 'key_a', /differ only by case, separators or lookalike characters/],
    ['Key-A', 'key-a', /differ only by case/],
    ['key-O1', 'key-0l', /lookalike characters/],
    ['20261206', '20261206T120000Z', /one name is the start of the other/],
    ['key', 'key2', /one name is the start of the other/]
  ]
  for (const [a, b, reason] of cases) {
    const warnings = warningsOf(a, b).filter((line) => line.includes('look alike'))
    t.equal(warnings.length, 1, `${a} and ${b}`)
    t.match(warnings[0], reason, `${a} and ${b}: ${String(reason)}`)
    t.match(warnings[0], `"${a}.pem"`)
    t.match(warnings[0], `"${b}.pem"`)
    t.match(warnings[0], /delete the other once it has not signed for SESSION_MAX_TTL$/)
  }
  t.equal(warningsOf('key-a', 'key_a', 'KEY.A').length, 3, 'three alike: each pair once')
})

t.test('date-shaped names and what they stand for', async (t) => {
  const noon = Date.UTC(2026, 11, 6, 12, 0, 0)
  for (const name of ['20261206T120000Z', '20261206T1200Z', '2026-12-06T12:00:00Z', '2026-12-06T12:00', '20261206_120000', '20261206T120000Z-rsa']) {
    t.equal(dateOfKeyName(name), noon, name)
  }
  t.equal(dateOfKeyName('20261206'), Date.UTC(2026, 11, 6), 'a day alone is its midnight')
  for (const name of ['20261306', '20260231', '20261206T250000Z', 'current', 'k1', '2026']) {
    t.equal(dateOfKeyName(name), undefined, `${name} is not a date`)
  }
})
