import t from 'tap'
import { usernameCaseMapped } from '../../src/domain/usernames.js'
import { hashPassword, normalisePassword, verifyPassword, dummyPasswordHash } from '../../src/domain/passwords.js'

t.test('usernames: width-mapped, lower-cased, NFC, 3 to 64 characters, no control characters', async (t) => {
  const name = (raw: string): string | undefined => usernameCaseMapped(raw).username
  t.equal(name('Ａｌｉｃｅ'), 'alice')
  t.equal(name('ALICE'), 'alice')
  t.equal(name('ab'), undefined)
  t.equal(name('a'.repeat(64)), 'a'.repeat(64))
  t.equal(name('a'.repeat(65)), undefined)
  t.equal(name('ali\u0000ce'), undefined)
  t.equal(name('ali\nce'), undefined)
  t.equal(name('ali\u007fce'), undefined)
  t.equal(name('\ud800abc'), undefined, 'lone surrogate')
  t.equal(name('𝒜𝒷𝒸'), undefined, 'mathematical letters are compatibility characters')
  t.equal(name('𐐀𐐁𐐂'), '𐐨𐐩𐐪', 'three characters, six UTF-16 units (Deseret, lower-cased)')
})

t.test('passwords: NFKC only, 8 to 1024 characters, no trimming', async (t) => {
  t.equal(normalisePassword('  spaced  '), '  spaced  ')
  t.equal(normalisePassword('1234567'), null)
  t.equal(normalisePassword('x'.repeat(1024)), 'x'.repeat(1024))
  t.equal(normalisePassword('x'.repeat(1025)), null)
  t.equal(normalisePassword('ｐａｓｓｗｏｒｄ'), 'password')
})

t.test('argon2id hashes verify, wrong passwords and broken hashes do not', async (t) => {
  const hash = await hashPassword('correct horse')
  t.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  t.equal(await verifyPassword(hash, 'correct horse'), true)
  t.equal(await verifyPassword(hash, 'correct horsE'), false)
  t.equal(await verifyPassword('not a hash', 'correct horse'), false)
  t.equal(await dummyPasswordHash(), await dummyPasswordHash(), 'one dummy hash per process')
})
