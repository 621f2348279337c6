// One spelling per refresh token (docs/http-api.md, "Refresh token transport"): the 89 bytes after
// "rt_" leave 2 unused bits in the last character, and Buffer's decoder reads '+' and '/' as '-'
// and '_'. Any such respelling of a genuine token is not one we minted, so it reads as nothing.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { mintRefreshToken, newId, readRefreshToken, type RefreshMacKeys } from '../../src/domain/refresh-tokens.js'
import { trailingBitSpellings } from '../helpers/token-spellings.js'

const tag = randomBytes(4)
const key = randomBytes(32)
const keys: RefreshMacKeys = { refreshMacKey: (candidate) => candidate.equals(tag) ? key : undefined, currentRefreshMac: () => ({ tag, key }) }
const session = { userId: newId(), sessionId: newId(), generation: 3 }

t.test('a token with set trailing bits is refused', async (t) => {
  for (let i = 0; i < 4; i++) {
    const { token } = mintRefreshToken(keys, session)
    t.not(readRefreshToken(keys, token), null, 'the token as minted reads')
    const spellings = trailingBitSpellings(token.slice(3))
    t.equal(spellings.length, 3, '119 characters: 2 unused bits')
    for (const spelling of spellings) {
      t.same(Buffer.from(spelling, 'base64url'), Buffer.from(token.slice(3), 'base64url'), 'the same bytes')
      t.equal(readRefreshToken(keys, `rt_${spelling}`), null, `ending ${spelling.slice(-1)} instead of ${token.slice(-1)}`)
    }
  }
})

t.test('a token spelled in the base64 alphabet (+ and /) is refused', async (t) => {
  let token = ''
  while (!/[-_]/.test(token)) token = mintRefreshToken(keys, session).token
  const base64 = `rt_${token.slice(3).replaceAll('-', '+').replaceAll('_', '/')}`
  t.same(Buffer.from(base64.slice(3), 'base64url'), Buffer.from(token.slice(3), 'base64url'), 'the same bytes')
  t.equal(readRefreshToken(keys, base64), null)
})

t.test('padding or any character outside base64url is refused', async (t) => {
  const { token } = mintRefreshToken(keys, session)
  for (const odd of ['=', '.', ' ', '!', '\u00e9']) {
    t.equal(readRefreshToken(keys, token.slice(0, 40) + odd + token.slice(41)), null, JSON.stringify(odd))
  }
  t.equal(readRefreshToken(keys, `${token.slice(0, -1)}=`), null, 'a pad in place of the last character')
})
