// A key directory that does not fit JWT_ALG stops start-up with one line naming the file.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, type JwtAlgorithm } from '../../src/config.js'
import { generateKeyMaterial, loadKeyRing } from '../../src/domain/keys.js'

interface Case {
  name: string
  alg: JwtAlgorithm
  files: Record<string, string | Buffer>
  message: RegExp
}

const pem = { format: 'pem' } as const
function keyPair (type: 'ed25519' | 'ed448' | 'ec' | 'rsa', options: { namedCurve?: string, modulusLength?: number } = {}): { privateKey: string, publicKey: string } {
  const pair = generateKeyPairSync(type as 'ec', { namedCurve: 'P-256', ...options } as { namedCurve: string })
  return { privateKey: pair.privateKey.export({ type: 'pkcs8', ...pem }) as string, publicKey: pair.publicKey.export({ type: 'spki', ...pem }) as string }
}
const ed25519 = keyPair('ed25519')
const p384 = keyPair('ec', { namedCurve: 'P-384' }).privateKey
const rsa1024 = keyPair('rsa', { modulusLength: 1024 }).privateKey
const ed448 = keyPair('ed448').privateKey

const cases: Case[] = [
  { name: 'an HS256 secret under 32 bytes', alg: 'HS256', files: { 'short.key': randomBytes(31) }, message: /^JWT_KEYS_DIR file "short\.key" holds 31 bytes: an HS256 secret needs at least 32 random bytes$/ },
  { name: 'a PEM key where HS256 wants a secret', alg: 'HS256', files: { 'k.key': ed25519.privateKey }, message: /"k\.key" holds a PEM key, but JWT_ALG=HS256/ },
  { name: 'an HS256 secret not named *.key', alg: 'HS256', files: { 'secret.bin': randomBytes(32) }, message: /"secret\.bin".*named \*\.key/ },
  { name: 'an ES256 key under EdDSA', alg: 'EdDSA', files: { 'k.pem': keyPair('ec').privateKey }, message: /"k\.pem" holds a key of type EC prime256v1, but JWT_ALG=EdDSA needs an Ed25519 PEM private key/ },
  { name: 'an Ed448 key under EdDSA', alg: 'EdDSA', files: { 'k.pem': ed448 }, message: /"k\.pem" holds a key of type ed448,/ },
  { name: 'a P-384 key under ES256', alg: 'ES256', files: { 'k.pem': p384 }, message: /"k\.pem" holds a key of type EC secp384r1, but JWT_ALG=ES256/ },
  { name: 'an Ed25519 key under RS256', alg: 'RS256', files: { 'k.pem': ed25519.privateKey }, message: /"k\.pem" holds a key of type ed25519, but JWT_ALG=RS256/ },
  { name: 'a 1024-bit RSA key', alg: 'RS256', files: { 'k.pem': rsa1024 }, message: /"k\.pem" holds a key of type RSA 1024-bit, but JWT_ALG=RS256 needs an RSA PEM private key of at least 2048 bits/ },
  { name: 'a public key', alg: 'EdDSA', files: { 'k.pem': ed25519.publicKey }, message: /"k\.pem" is not an unencrypted PEM private key/ },
  { name: 'a file that is not PEM', alg: 'EdDSA', files: { 'README.md': 'keys live here' }, message: /"README\.md" is not an unencrypted PEM private key/ },
  { name: 'two files for one kid', alg: 'EdDSA', files: { 'k.pem': ed25519.privateKey, 'k.key': ed25519.privateKey }, message: /two files for kid "k"/ },
  { name: 'an empty directory', alg: 'EdDSA', files: {}, message: /holds no key/ }
]

for (const { name, alg, files, message } of cases) {
  t.test(`refuses ${name}`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'rotor-keys-'))
    t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
    for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content)
    const error = await loadKeyRing({ jwtAlg: alg, jwtKeysDir: dir }).then(() => undefined, (caught: unknown) => caught)
    t.ok(error instanceof ConfigError, 'a ConfigError, printed as one line at start-up')
    t.match((error as Error).message, message)
    t.notMatch((error as Error).message, /\n/)
  })
}

t.test('refuses a directory that does not exist, naming it', async (t) => {
  await t.rejects(loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: '/nonexistent/rotor-keys' }), new ConfigError('JWT_KEYS_DIR="/nonexistent/rotor-keys" cannot be read: ENOENT'))
})

t.test('accepts an HS256 secret of exactly 32 bytes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rotor-keys-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 'k.key'), await generateKeyMaterial('HS256'))
  t.equal((await loadKeyRing({ jwtAlg: 'HS256', jwtKeysDir: dir })).signingKid, 'k')
})
