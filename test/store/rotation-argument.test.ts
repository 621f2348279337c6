// The packed argument of rotate-refresh-token.lua (src/store/redis/rotation-argument.ts) refuses
// values that are not a rotation's, instead of sending Redis bytes it would read as another field.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { packRotation } from '../../src/store/redis/rotation-argument.js'
import type { RotateRefreshTokenInput } from '../../src/store/types.js'

const bytes = (n: number): string => randomBytes(n).toString('base64url')
const input: RotateRefreshTokenInput = {
  userId: bytes(16), sessionId: bytes(16), generation: 7, presentedHash: bytes(16), successorHash: bytes(16), successorBox: bytes(32),
  now: 1_765_000_000_000, idleTtlMs: 600_000, graceMs: 10_000, ip: '2001:db8::1', userAgent: 'Navigateur/1.0 (é)'
}
const revocations = ['feed', 905, 60_000] as const

t.test('a rotation packs to its fixed fields and length-prefixed UTF-8 strings', async (t) => {
  const packed = packRotation(input, revocations, 1_765_000_000_750)
  const fixed = 9 * 8 + 16 + 16 + 32
  const strings = ['feed', input.userId, input.sessionId, input.ip, input.userAgent]
  t.equal(packed.length, fixed + strings.reduce((sum, value) => sum + 2 + Buffer.byteLength(value), 0))
  t.equal(packed.readDoubleLE(0), 7, 'generation first')
  t.equal(packed.subarray(8, 24).toString('base64url'), input.presentedHash)
  t.equal(packed.readDoubleLE(8 + 64 + 3 * 8), 1_765_000_000_750, 'the deadline after now, idle TTL and grace')
  t.equal(packed.subarray(packed.length - Buffer.byteLength(input.userAgent)).toString('utf8'), input.userAgent, 'the user agent last, as UTF-8')
})

t.test('a hash or box too short to be ours is a TypeError naming it', async (t) => {
  t.throws(() => packRotation({ ...input, presentedHash: bytes(15) }, revocations, 0), { name: 'TypeError', message: /presentedHash/ })
  t.throws(() => packRotation({ ...input, successorHash: 'x' }, revocations, 0), { name: 'TypeError', message: /successorHash/ })
  t.throws(() => packRotation({ ...input, successorBox: bytes(31) }, revocations, 0), { name: 'TypeError', message: /successorBox/ })
})

t.test('a string past 65,535 bytes cannot be packed', async (t) => {
  t.throws(() => packRotation({ ...input, userAgent: 'x'.repeat(65_536) }, revocations, 0), { name: 'TypeError' })
})
