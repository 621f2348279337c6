// A token of a new kid that arrives while the JWKS fetch of `event: keys` is still under way waits
// for that fetch instead of failing: Rotor signs with the new key the moment it reloads, so a token
// can reach a gateway before the gateway's fetch of the new JWKS has answered, and the unknown-kid
// fallback is inside its cooldown then (the key set was fetched moments ago).
import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRotorKeySet } from '../../../clients/gateway/index.js'
import { testKey } from '../../helpers/gateway-keys.js'

const oldKey = await testKey('2026-01-01')
const newKey = await testKey('2026-02-01')

let published = [oldKey.jwk]
let holdNextAnswer: Promise<void> | undefined
let fetches = 0
const server = createServer((_request, response) => {
  fetches++
  const keys = published
  void (holdNextAnswer ?? Promise.resolve()).then(() => {
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({ keys }))
  })
})
await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
t.teardown(() => { server.close() })
const jwksUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`)

t.test('a new kid during the keys refetch waits for it, within the unknown-kid cooldown', async (t) => {
  const keySet = createRotorKeySet({ jwksUrl, cooldownMs: 60_000 })
  await keySet.getKey({ alg: 'EdDSA', kid: oldKey.kid })
  t.equal(fetches, 1)

  // Rotor reloads: the new key is published, and the gateway's refetch is slow to be answered.
  published = [oldKey.jwk, newKey.jwk]
  let answer!: () => void
  holdNextAnswer = new Promise((resolve) => { answer = resolve })
  const refetched = keySet.refetch()
  while (fetches < 2) await new Promise((resolve) => setImmediate(resolve))

  const newKidKey = keySet.getKey({ alg: 'EdDSA', kid: newKey.kid })
  const newKidPem = keySet.publicKeyPem({ alg: 'EdDSA', kid: newKey.kid })
  answer()
  holdNextAnswer = undefined
  await refetched
  t.ok(await newKidKey, 'getKey resolves the new kid once the refetch answers')
  t.match(await newKidPem, /BEGIN PUBLIC KEY/, 'so does publicKeyPem (@fastify/jwt\'s path)')
  t.equal(fetches, 2, 'with no fetch of its own')
})

t.test('an unknown kid with no refetch under way still fails at once within the cooldown', async (t) => {
  const keySet = createRotorKeySet({ jwksUrl, cooldownMs: 60_000 })
  published = [oldKey.jwk]
  await keySet.getKey({ alg: 'EdDSA', kid: oldKey.kid })
  const before = fetches
  await t.rejects(keySet.getKey({ alg: 'EdDSA', kid: 'forged' }), { code: 'ERR_JWKS_NO_MATCHING_KEY' })
  t.equal(fetches, before, 'forged kids cannot make it fetch')
})
