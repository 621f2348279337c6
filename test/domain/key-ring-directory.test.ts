// JWT_KEYS_DIR with several kids: the last in byte order signs, every kid verifies, the JWKS lists
// public halves only, and reload() follows the directory.
import { writeFile, rm, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { loadKeyRing, generateKeyFile } from '../../src/domain/keys.js'
import { ALGORITHMS, tempKeyDir } from '../helpers/access-tokens.js'

for (const alg of ALGORITHMS) {
  t.test(`${alg}: the newest kid signs, every kid verifies`, async (t) => {
    // Created out of order: byte order of the names decides, not file age.
    const { dir } = await tempKeyDir(t, alg, ['2026-02-01', '2025-01-01', '2026-01-15'])
    const ring = await loadKeyRing({ jwtAlg: alg, jwtKeysDir: dir })
    t.equal(ring.alg, alg)
    t.equal(ring.signingKid, '2026-02-01')
    t.equal(ring.signingKey.kid, '2026-02-01')
    for (const kid of ['2025-01-01', '2026-01-15', '2026-02-01']) t.ok(ring.verificationKey(kid), `${kid} verifies`)
    t.equal(ring.verificationKey('2024-12-31'), undefined)
    t.equal(ring.verificationKey('__proto__'), undefined)
  })
}

for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
  t.test(`${alg}: the JWKS lists every kid, public members only`, async (t) => {
    const { dir } = await tempKeyDir(t, alg, ['a-old', 'b-new'])
    const ring = await loadKeyRing({ jwtAlg: alg, jwtKeysDir: dir })
    const { keys } = ring.jwks()
    t.same(keys.map((key) => key.kid), ['a-old', 'b-new'])
    for (const key of keys) {
      t.equal(key.alg, alg)
      t.equal(key.use, 'sig')
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) t.notOk(secret in key, `no ${secret}`)
    }
    t.ok(Object.isFrozen(keys[0]))
  })
}

t.test('HS256 secrets are never published', async (t) => {
  const { dir } = await tempKeyDir(t, 'HS256', ['one', 'two'])
  const ring = await loadKeyRing({ jwtAlg: 'HS256', jwtKeysDir: dir })
  t.same(ring.jwks(), { keys: [] })
  t.equal(ring.signingKid, 'two')
})

t.test('hidden names and folders are skipped (Kubernetes secret volumes)', async (t) => {
  const { dir } = await tempKeyDir(t, 'EdDSA', ['k1'])
  await mkdir(join(dir, '..data'))
  await writeFile(join(dir, '.DS_Store'), 'junk')
  await mkdir(join(dir, 'nested'))
  const ring = await loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: dir })
  t.same(ring.jwks().keys.map((key) => key.kid), ['k1'])
})

t.test('reload() follows the directory and bumps the version', async (t) => {
  const { dir, files } = await tempKeyDir(t, 'EdDSA', ['2025-01-01'])
  const ring = await loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: dir })
  const before = ring.version
  await generateKeyFile('EdDSA', dir, '2025-06-01')
  await ring.reload()
  t.equal(ring.signingKid, '2025-06-01')
  t.ok(ring.verificationKey('2025-01-01'))
  t.ok(ring.version > before)

  await rm(files.get('2025-01-01') as string)
  await ring.reload()
  t.equal(ring.verificationKey('2025-01-01'), undefined)
  t.same(ring.jwks().keys.map((key) => key.kid), ['2025-06-01'])
})

t.test('a reload that fails keeps the current keys and version', async (t) => {
  const { dir } = await tempKeyDir(t, 'EdDSA', ['k1'])
  const ring = await loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: dir })
  const version = ring.version
  await writeFile(join(dir, 'k2.pem'), 'not a key')
  await t.rejects(ring.reload(), /k2\.pem/)
  t.equal(ring.version, version)
  t.equal(ring.signingKid, 'k1')
})

for (const alg of ALGORITHMS) {
  t.test(`${alg}: no directory means one ephemeral key`, async (t) => {
    const ring = await loadKeyRing({ jwtAlg: alg, jwtKeysDir: undefined })
    t.match(ring.signingKid, /^ephemeral-/)
    t.ok(ring.verificationKey(ring.signingKid))
    t.equal(ring.jwks().keys.length, alg === 'HS256' ? 0 : 1)
    const version = ring.version
    await ring.reload()
    t.equal(ring.version, version, 'nothing to re-read')
  })
}
