import t from 'tap'
import { normaliseUsername } from '../../src/domain/usernames.js'
import { hashPassword, normalisePassword, verifyPassword, dummyPasswordHash } from '../../src/domain/passwords.js'

t.test('usernames are NFKC and lower-cased, 3 to 64 characters, no control characters', async (t) => {
  t.equal(normaliseUsername('Ａｌｉｃｅ'), 'alice')
  t.equal(normaliseUsername('ALICE'), 'alice')
  t.equal(normaliseUsername('ab'), null)
  t.equal(normaliseUsername('a'.repeat(64)), 'a'.repeat(64))
  t.equal(normaliseUsername('a'.repeat(65)), null)
  t.equal(normaliseUsername('ali\u0000ce'), null)
  t.equal(normaliseUsername('ali\nce'), null)
  t.equal(normaliseUsername('ali\u007fce'), null)
  t.equal(normaliseUsername('\ud800abc'), null, 'lone surrogate')
  t.equal(normaliseUsername('😀😀😀'), '😀😀😀', 'three characters, six UTF-16 units')
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
