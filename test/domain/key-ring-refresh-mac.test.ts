// Refresh-token MAC keys: one per kid (tag = SHA-256(kid)[0..4], key = HKDF of the kid's private
// material), the signing kid's for new tokens, and an old kid's for as long as its file stays.
import { createHash, createPrivateKey, hkdfSync } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import t from 'tap'
import { loadKeyRing } from '../../src/domain/keys.js'
import { ALGORITHMS, tempKeyDir } from '../helpers/access-tokens.js'

function expectedMac (kid: string, ikm: Buffer): { tag: Buffer, key: Buffer } {
  return {
    tag: createHash('sha256').update(kid).digest().subarray(0, 4),
    key: Buffer.from(hkdfSync('sha256', ikm, 'rotor', 'refresh-token-mac', 32))
  }
}

for (const alg of ALGORITHMS) {
  t.test(`${alg}: MAC keys derive from each kid's private material`, async (t) => {
    const { dir, files } = await tempKeyDir(t, alg, ['k1', 'k2'])
    const ring = await loadKeyRing({ jwtAlg: alg, jwtKeysDir: dir })
    for (const kid of ['k1', 'k2']) {
      const bytes = await readFile(files.get(kid) as string)
      const ikm = alg === 'HS256' ? bytes : createPrivateKey(bytes).export({ type: 'pkcs8', format: 'der' })
      const expected = expectedMac(kid, ikm)
      t.same(ring.refreshMacKey(expected.tag), expected.key, `${kid} by its tag`)
      if (kid === 'k2') t.same(ring.currentRefreshMac(), expected, 'the signing kid MACs new tokens')
    }
  })
}

t.test('a kid removed from the directory takes its MAC key with it', async (t) => {
  const { dir, files } = await tempKeyDir(t, 'EdDSA', ['k1', 'k2'])
  const ring = await loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: dir })
  const oldTag = createHash('sha256').update('k1').digest().subarray(0, 4)
  t.ok(ring.refreshMacKey(oldTag))
  await rm(files.get('k1') as string)
  await ring.reload()
  t.equal(ring.refreshMacKey(oldTag), undefined)
})

t.test('unknown or malformed tags have no key, and callers cannot alter the ring', async (t) => {
  const { dir } = await tempKeyDir(t, 'HS256', ['k1'])
  const ring = await loadKeyRing({ jwtAlg: 'HS256', jwtKeysDir: dir })
  const { tag, key } = ring.currentRefreshMac()
  t.equal(ring.refreshMacKey(Buffer.from([0, 0, 0, 0]).equals(tag) ? Buffer.from([1, 1, 1, 1]) : Buffer.from([0, 0, 0, 0])), undefined)
  t.equal(ring.refreshMacKey(Buffer.concat([tag, Buffer.from([0])])), undefined)
  t.equal(ring.refreshMacKey(tag.subarray(0, 3)), undefined)
  key.fill(0)
  tag.fill(0)
  t.notSame(ring.currentRefreshMac().key, key)
})
