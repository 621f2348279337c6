// Ed25519 through libsodium, or node:crypto where its addon does not load (src/runtime/ed25519.ts):
// both must make the same signatures (RFC 8032 signatures are deterministic) and accept exactly
// the genuine ones, so tokens signed by one verify with the other and a fallback changes nothing.
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { createRequire } from 'node:module'
import t from 'tap'
import { ed25519, ed25519With, type Sodium } from '../../src/runtime/ed25519.js'

const sodium = createRequire(import.meta.url)('sodium-native') as Sodium
const backends = [ed25519With(sodium), ed25519With(null)]
const { privateKey, publicKey } = generateKeyPairSync('ed25519')
const other = generateKeyPairSync('ed25519')
const message = Buffer.from('eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2VyIn0', 'latin1')

t.equal(ed25519.backend, 'libsodium', 'the server signs with libsodium on this platform')

t.test('both backends make the signature node:crypto makes', async (t) => {
  const reference = sign(null, message, privateKey)
  for (const backend of backends) {
    const signature = backend.signer(privateKey)(message)
    t.same(signature, reference, `${backend.backend}: same 64 bytes`)
    t.ok(verify(null, message, publicKey, signature), `${backend.backend}: node:crypto accepts it`)
  }
})

t.test('both backends accept the genuine signature and refuse every altered one', async (t) => {
  const signature = sign(null, message, privateKey)
  const flipped = (bytes: Buffer, at: number): Buffer => { const copy = Buffer.from(bytes); copy[at] = (copy[at] as number) ^ 1; return copy }
  for (const backend of backends) {
    const check = backend.verifier(publicKey)
    t.ok(check(message, signature), `${backend.backend}: genuine`)
    t.notOk(check(flipped(message, 3), signature), `${backend.backend}: another message`)
    t.notOk(check(message, flipped(signature, 0)), `${backend.backend}: R altered`)
    t.notOk(check(message, flipped(signature, 40)), `${backend.backend}: S altered`)
    t.notOk(check(message, signature.subarray(0, 63)), `${backend.backend}: 63 bytes`)
    t.notOk(check(message, Buffer.concat([signature, Buffer.alloc(1)])), `${backend.backend}: 65 bytes`)
    t.notOk(check(message, Buffer.alloc(64)), `${backend.backend}: zeros`)
    t.notOk(backend.verifier(other.publicKey)(message, signature), `${backend.backend}: another key`)
  }
})

t.test('a key of another type is refused when the signer or verifier is made', async (t) => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  t.throws(() => ed25519With(sodium).signer(ec.privateKey))
  t.throws(() => ed25519With(sodium).verifier(ec.publicKey))
  t.throws(() => ed25519With(sodium).signer(publicKey), 'a public key cannot sign')
})
