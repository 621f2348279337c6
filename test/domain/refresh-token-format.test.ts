import { randomBytes } from 'node:crypto'
import t from 'tap'
import {
  mintRefreshToken, mintSuccessor, newId, openSuccessor, readRefreshToken, REFRESH_TOKEN_MAX_LENGTH, sealSuccessor, type RefreshMacKeys
} from '../../src/domain/refresh-tokens.js'

function macKeys (): RefreshMacKeys & { tag: Buffer, key: Buffer } {
  const tag = randomBytes(4)
  const key = randomBytes(32)
  return {
    tag,
    key,
    refreshMacKey: (candidate) => candidate.equals(tag) ? key : undefined,
    currentRefreshMac: () => ({ tag, key })
  }
}

const session = { userId: newId(), sessionId: newId(), generation: 7 }

t.test('a minted token reads back its session, generation and hash', async (t) => {
  const keys = macKeys()
  const minted = mintRefreshToken(keys, session)
  t.equal(minted.token.length, REFRESH_TOKEN_MAX_LENGTH)
  t.match(minted.token, /^rt_[A-Za-z0-9_-]+$/)
  const read = readRefreshToken(keys, minted.token)
  t.same(read && { userId: read.userId, sessionId: read.sessionId, generation: read.generation, hash: read.hash }, { ...session, hash: minted.hash })
})

t.test('a successor minted from a presented token is the token its ids and generation make', async (t) => {
  const keys = macKeys()
  const read = readRefreshToken(keys, mintRefreshToken(keys, session).token)
  if (read === null) throw new Error('a minted token must read back')
  const secret = randomBytes(32)
  const successor = mintSuccessor(keys, read, session.generation + 1, secret)
  t.same(successor, mintRefreshToken(keys, { ...session, generation: session.generation + 1 }, secret))
  t.match(readRefreshToken(keys, successor.token), { userId: session.userId, sessionId: session.sessionId, generation: session.generation + 1 })
})

t.test('tokens carry 256 random bits and are never JWTs', async (t) => {
  const keys = macKeys()
  const a = mintRefreshToken(keys, session)
  const b = mintRefreshToken(keys, session)
  t.equal(a.secret.length, 32)
  t.not(a.token, b.token)
  t.not(a.hash, b.hash)
  t.notMatch(a.token, /^[^.]+\.[^.]+\.[^.]*$/)
})

t.test('the stored hash reveals neither the token nor its secret', async (t) => {
  const minted = mintRefreshToken(macKeys(), session)
  t.equal(Buffer.from(minted.hash, 'base64url').length, 16)
  t.notOk(minted.token.includes(minted.hash))
  t.notOk(minted.hash.includes(minted.secret.toString('base64url').slice(0, 8)))
})

t.test('any changed byte, a foreign key or a wrong length is refused', async (t) => {
  const keys = macKeys()
  const { token } = mintRefreshToken(keys, session)
  const bytes = Buffer.from(token.slice(3), 'base64url')
  for (let i = 0; i < bytes.length; i++) {
    const tampered = Buffer.from(bytes)
    tampered[i] = (tampered[i] as number) ^ 0x01
    t.equal(readRefreshToken(keys, 'rt_' + tampered.toString('base64url')), null, `byte ${i}`)
  }
  t.equal(readRefreshToken(macKeys(), token), null, 'another key ring')
  t.equal(readRefreshToken(keys, token + 'A'), null, 'too long')
  t.equal(readRefreshToken(keys, token.slice(0, -1)), null, 'too short')
  t.equal(readRefreshToken(keys, 'xx_' + token.slice(3)), null, 'wrong prefix')
  t.equal(readRefreshToken(keys, ''), null, 'empty')
})

t.test('a token naming a real session but minted without the key is refused', async (t) => {
  const keys = macKeys()
  const forger = { ...macKeys(), currentRefreshMac: () => ({ tag: keys.tag, key: randomBytes(32) }) }
  const forged = mintRefreshToken(forger, session)
  t.equal(readRefreshToken(keys, forged.token), null)
})

t.test('the grace box opens only with the presented token', async (t) => {
  const keys = macKeys()
  const presented = readRefreshToken(keys, mintRefreshToken(keys, session).token)
  const other = readRefreshToken(keys, mintRefreshToken(keys, session).token)
  if (presented === null || other === null) throw new Error('mint failed')
  const successor = mintRefreshToken(keys, { ...session, generation: 8 })
  const box = sealSuccessor(successor.secret, presented.boxKey)
  t.not(box, successor.secret.toString('base64url'))
  const replay = mintRefreshToken(keys, { ...session, generation: 8 }, openSuccessor(box, presented.boxKey))
  t.equal(replay.token, successor.token, 'the same successor, byte for byte')
  t.not(openSuccessor(box, other.boxKey).toString('hex'), successor.secret.toString('hex'))
})
