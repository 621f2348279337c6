// Device cookies: a random device id bound to one username, MAC'd under a key derived apart from the
// refresh-token MAC key, with an expiry; anything else reads as null (a stranger).
import { createHash, createHmac, createPrivateKey, hkdfSync } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import t from 'tap'
import { DEVICE_COOKIE_TTL_MS, mintDeviceCookie, readDeviceCookie } from '../../src/domain/device-cookies.js'
import { generateKeyFile, loadKeyRing } from '../../src/domain/keys.js'
import { ALGORITHMS, tempKeyDir } from '../helpers/access-tokens.js'

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0, 250)

for (const alg of ALGORITHMS) {
  t.test(`${alg}: the MAC key is HKDF of the kid's private material, apart from the refresh-token key`, async (t) => {
    const { dir, files } = await tempKeyDir(t, alg, ['k1'])
    const ring = await loadKeyRing({ jwtAlg: alg, jwtKeysDir: dir })
    const bytes = await readFile(files.get('k1') as string)
    const ikm = alg === 'HS256' ? bytes : createPrivateKey(bytes).export({ type: 'pkcs8', format: 'der' })
    const key = Buffer.from(hkdfSync('sha256', ikm, 'rotor', 'device-cookie-mac', 32))
    const tag = createHash('sha256').update('k1').digest().subarray(0, 4)
    t.same(ring.currentDeviceCookieMac(), { tag, key })
    t.same(ring.deviceCookieMacKey(tag), key)
    t.notSame(key, ring.currentRefreshMac().key)

    // The layout, checked independently: version | tag | device id | expiry (s) | HMAC(… ‖ username)[0..16].
    const cookie = mintDeviceCookie(ring, 'carol', NOW)
    const raw = Buffer.from(cookie.value, 'base64url')
    t.equal(raw.length, 41)
    t.equal(raw[0], 1)
    t.same(raw.subarray(1, 5), tag)
    t.equal(raw.readUInt32BE(21), Math.ceil((NOW + DEVICE_COOKIE_TTL_MS) / 1000))
    t.equal(cookie.expiresAt, raw.readUInt32BE(21) * 1000)
    t.same(raw.subarray(25), createHmac('sha256', key).update(raw.subarray(0, 25)).update('carol').digest().subarray(0, 16))
    t.equal(readDeviceCookie(ring, cookie.value, 'carol', NOW), raw.subarray(5, 21).toString('base64url'))
  })
}

t.test('a cookie reads back only for its username, before its expiry, unaltered and in its one spelling', async (t) => {
  const ring = await loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: undefined })
  const cookie = mintDeviceCookie(ring, 'carol', NOW)
  const deviceId = readDeviceCookie(ring, cookie.value, 'carol', NOW)
  t.match(deviceId, /^[A-Za-z0-9_-]{22}$/)
  t.not(readDeviceCookie(ring, mintDeviceCookie(ring, 'carol', NOW).value, 'carol', NOW), deviceId, 'each cookie names a new device')
  t.equal(readDeviceCookie(ring, cookie.value, 'carola', NOW), null, 'another username')
  t.equal(readDeviceCookie(ring, cookie.value, 'carol', cookie.expiresAt - 1), deviceId, 'a millisecond before expiry')
  t.equal(readDeviceCookie(ring, cookie.value, 'carol', cookie.expiresAt), null, 'at expiry')

  const bytes = Buffer.from(cookie.value, 'base64url')
  let accepted = 0
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    const altered = Buffer.from(bytes)
    altered[bit >> 3] = (altered[bit >> 3] as number) ^ (1 << (bit & 7))
    if (readDeviceCookie(ring, altered.toString('base64url'), 'carol', NOW) !== null) accepted++
  }
  t.equal(accepted, 0, `none of the ${bytes.length * 8} one-bit changes reads back`)

  // 41 bytes leave 2 unused bits in the last base64url character: setting one decodes to the same bytes.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = alphabet.indexOf(cookie.value.at(-1) as string)
  const respelled = cookie.value.slice(0, -1) + (alphabet[last ^ 1] as string)
  t.same(Buffer.from(respelled, 'base64url'), bytes, 'the respelling decodes alike')
  t.equal(readDeviceCookie(ring, respelled, 'carol', NOW), null, 'but is refused')
  for (const junk of ['', 'x', cookie.value + 'A', cookie.value.slice(1), '='.repeat(55), cookie.value.replace(/.$/, '=')]) {
    t.equal(readDeviceCookie(ring, junk, 'carol', NOW), null, `junk ${JSON.stringify(junk.slice(0, 12))}…`)
  }
})

t.test('a cookie works while its kid stays in the ring, and stops with it', async (t) => {
  const { dir, files } = await tempKeyDir(t, 'ES256', ['2026-01'])
  const ring = await loadKeyRing({ jwtAlg: 'ES256', jwtKeysDir: dir })
  const old = mintDeviceCookie(ring, 'carol', NOW)
  await generateKeyFile('ES256', dir, '2026-02')
  await ring.reload()
  t.ok(readDeviceCookie(ring, old.value, 'carol', NOW), 'still read after a newer key signs')
  const fresh = mintDeviceCookie(ring, 'carol', NOW)
  t.not(Buffer.from(fresh.value, 'base64url').subarray(1, 5).toString('hex'), Buffer.from(old.value, 'base64url').subarray(1, 5).toString('hex'), 'new cookies under the newer kid')
  await rm(files.get('2026-01') as string)
  await ring.reload()
  t.equal(readDeviceCookie(ring, old.value, 'carol', NOW), null, 'its kid is gone: a stranger again')
  t.ok(readDeviceCookie(ring, fresh.value, 'carol', NOW))
})
