// The signing and verification keys of access tokens, read from JWT_KEYS_DIR (or one ephemeral key),
// ready to sign and verify with (key objects made once per kid and load, ./jws.ts), and the MAC keys
// derived from them (HKDF, one per purpose): refresh tokens' and device cookies'.
// Rotation: add a newer file (the last name in byte order signs, so name keys by date) and reload.
// Keep the old file SESSION_MAX_TTL after it stopped signing: a refresh token MAC'd under it can be
// presented for up to REFRESH_IDLE_TTL, and a spent one, presented by a thief, is recognised as reuse
// (ending its session) only while its MAC still verifies, that is for the session's whole life. Its
// access tokens (ACCESS_TOKEN_TTL, plus the JWKS max-age of src/routes/jwks.ts) end far sooner.
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, hkdfSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join, parse } from 'node:path'
import { ConfigError, type Config, type JwtAlgorithm } from '../config.js'
import { signatureCheck, signatureMaker, type SignatureCheck, type SignatureMaker } from './jws.js'
import type { KeyFileName } from './key-names.js'

/** A key as node:crypto takes it: a PEM string (PKCS8 to sign, SPKI to verify), or HS256 secret bytes. */
export interface JwtKey {
  kid: string
  key: string | Buffer
}

/** One public key of the JWKS (RFC 7517 §4): never any private member. */
export interface PublicJwk {
  kty: string
  kid: string
  alg: JwtAlgorithm
  use: 'sig'
  crv?: string
  x?: string
  y?: string
  n?: string
  e?: string
}

export interface KeyRing {
  /** JWT_ALG: the only algorithm signed and accepted. */
  readonly alg: JwtAlgorithm
  /** Bumped by every successful reload(), so holders of derived state (verified-token caches) drop it. */
  readonly version: number
  /** Every kid in the ring, in byte order; the last one signs. */
  readonly kids: readonly string[]
  /** The kid that signs new tokens: the last in byte order. */
  readonly signingKid: string
  readonly signingKey: JwtKey
  /** The key that verifies tokens of `kid`, or undefined when no such kid is in the ring. */
  verificationKey (kid: string): JwtKey | undefined
  /** The signature check of `kid`'s key, made once per load; undefined when no such kid is in the ring. */
  signatureCheck (kid: string): SignatureCheck | undefined
  /** The signing kid's signature maker, made once per load. */
  signatureMaker (): SignatureMaker
  /** The public keys, ready to serve as /.well-known/jwks.json; empty for HS256 (a secret is never published). */
  jwks (): { keys: PublicJwk[] }
  /** The file each kid was read from, in kid order; empty for an ephemeral key. */
  readonly files: readonly KeyFileName[]
  /** Re-reads JWT_KEYS_DIR; on any error throws and keeps the current keys. No-op for an ephemeral key. */
  reload (): Promise<void>
  /** The refresh-token MAC key of the kid whose tag is `tag` (4 bytes), if that kid is still in the ring. */
  refreshMacKey (tag: Buffer): Buffer | undefined
  /** The tag and MAC key of the signing kid: what new refresh tokens are MAC'd with. */
  currentRefreshMac (): { tag: Buffer, key: Buffer }
  /** The device-cookie MAC key of the kid whose tag is `tag` (4 bytes), if that kid is still in the ring. */
  deviceCookieMacKey (tag: Buffer): Buffer | undefined
  /** The tag and device-cookie MAC key of the signing kid. */
  currentDeviceCookieMac (): { tag: Buffer, key: Buffer }
}

interface KeyEntry {
  kid: string
  /** The JWT_KEYS_DIR file it was read from; undefined for an ephemeral key. */
  file?: string
  signingKey: JwtKey
  verificationKey: JwtKey
  jwk: PublicJwk | undefined
  macTag: Buffer
  macKey: Buffer
  deviceMacKey: Buffer
  /** Made on first use, so a kid that never verifies (or never signs) builds no key object. */
  check?: SignatureCheck
  maker?: SignatureMaker
}

interface RingState {
  entries: Map<string, KeyEntry>
  kids: readonly string[]
  signing: KeyEntry
  jwks: { keys: PublicJwk[] }
  /** Entries by MAC tag (its first 4 bytes as a number). */
  byMacTag: Map<number, KeyEntry>
  files: readonly KeyFileName[]
}

const MIN_HS256_SECRET_BYTES = 32
const MIN_RSA_BITS = 2048
const MAX_KEY_FILE_BYTES = 64 * 1024
const NEEDS: Record<JwtAlgorithm, string> = {
  EdDSA: 'an Ed25519 PEM private key',
  ES256: 'a P-256 (prime256v1) PEM private key',
  RS256: `an RSA PEM private key of at least ${MIN_RSA_BITS} bits`,
  HS256: `a file named *.key of at least ${MIN_HS256_SECRET_BYTES} random bytes`
}

/** The refresh-token MAC tag of a kid: the first 4 bytes of SHA-256(kid). */
export function refreshMacTag (kid: string): Buffer {
  return createHash('sha256').update(kid).digest().subarray(0, 4)
}

function derivedKey (secret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'rotor', purpose, 32))
}

function entryFor (alg: JwtAlgorithm, kid: string, material: KeyObject | Buffer): KeyEntry {
  const macTag = refreshMacTag(kid)
  if (Buffer.isBuffer(material)) {
    const macKey = derivedKey(material, 'refresh-token-mac')
    const deviceMacKey = derivedKey(material, 'device-cookie-mac')
    return { kid, signingKey: { kid, key: material }, verificationKey: { kid, key: material }, jwk: undefined, macTag, macKey, deviceMacKey }
  }
  const pkcs8 = material.export({ type: 'pkcs8', format: 'der' })
  const macKey = derivedKey(pkcs8, 'refresh-token-mac')
  const deviceMacKey = derivedKey(pkcs8, 'device-cookie-mac')
  const publicKey = createPublicKey(material)
  const exported = publicKey.export({ format: 'jwk' })
  // Copy member by member: whatever export() returns, only public members can reach the JWKS.
  const jwk: PublicJwk = { kty: String(exported.kty), kid, alg, use: 'sig' }
  for (const member of ['crv', 'x', 'y', 'n', 'e'] as const) {
    if (typeof exported[member] === 'string') jwk[member] = exported[member]
  }
  return {
    kid,
    signingKey: { kid, key: material.export({ type: 'pkcs8', format: 'pem' }) as string },
    verificationKey: { kid, key: publicKey.export({ type: 'spki', format: 'pem' }) as string },
    jwk,
    macTag,
    macKey,
    deviceMacKey
  }
}

function keyTypeMismatch (alg: JwtAlgorithm, key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType
  const details = key.asymmetricKeyDetails
  if (alg === 'EdDSA' && type === 'ed25519') return undefined
  if (alg === 'ES256' && type === 'ec' && details?.namedCurve === 'prime256v1') return undefined
  if (alg === 'RS256' && type === 'rsa' && (details?.modulusLength ?? 0) >= MIN_RSA_BITS) return undefined
  const described = type === 'ec' ? `EC ${details?.namedCurve ?? ''}` : type === 'rsa' ? `RSA ${details?.modulusLength ?? '?'}-bit` : String(type)
  return `holds a key of type ${described}, but JWT_ALG=${alg} needs ${NEEDS[alg]}`
}

/** Parses one key file's bytes; throws ConfigError naming the file when it does not fit `alg`. */
function parseKeyFile (alg: JwtAlgorithm, fileName: string, bytes: Buffer): KeyObject | Buffer {
  const where = `JWT_KEYS_DIR file ${JSON.stringify(fileName)}`
  const looksLikePem = bytes.subarray(0, 64).toString('latin1').includes('-----BEGIN')
  if (alg === 'HS256') {
    if (!fileName.endsWith('.key')) throw new ConfigError(`${where} is not valid: JWT_ALG=HS256 takes only secret files named *.key`)
    if (looksLikePem) throw new ConfigError(`${where} holds a PEM key, but JWT_ALG=HS256 needs ${NEEDS.HS256}`)
    if (bytes.length < MIN_HS256_SECRET_BYTES) {
      throw new ConfigError(`${where} holds ${bytes.length} bytes: an HS256 secret needs at least ${MIN_HS256_SECRET_BYTES} random bytes`)
    }
    return bytes
  }
  let key: KeyObject
  try {
    key = createPrivateKey({ key: bytes, format: 'pem' })
  } catch {
    throw new ConfigError(`${where} is not an unencrypted PEM private key: JWT_ALG=${alg} needs ${NEEDS[alg]}`)
  }
  const mismatch = keyTypeMismatch(alg, key)
  if (mismatch !== undefined) throw new ConfigError(`${where} ${mismatch}`)
  return key
}

async function readKeyDir (alg: JwtAlgorithm, dir: string): Promise<Map<string, KeyEntry>> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    throw new ConfigError(`JWT_KEYS_DIR=${JSON.stringify(dir)} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  const entries = new Map<string, KeyEntry>()
  // Hidden names are skipped: Kubernetes secret volumes keep `..data` links beside the key files.
  for (const fileName of names.filter((name) => !name.startsWith('.'))) {
    const path = join(dir, fileName)
    const info = await stat(path)
    if (!info.isFile()) continue
    if (info.size > MAX_KEY_FILE_BYTES) throw new ConfigError(`JWT_KEYS_DIR file ${JSON.stringify(fileName)} is too large to be a key`)
    const kid = parse(fileName).name
    if (entries.has(kid)) throw new ConfigError(`JWT_KEYS_DIR holds two files for kid ${JSON.stringify(kid)}: keep one`)
    entries.set(kid, { ...entryFor(alg, kid, parseKeyFile(alg, fileName, await readFile(path))), file: fileName })
  }
  if (entries.size === 0) throw new ConfigError(`JWT_KEYS_DIR=${JSON.stringify(dir)} holds no key: JWT_ALG=${alg} needs ${NEEDS[alg]}`)
  return entries
}

function ringState (alg: JwtAlgorithm, entries: Map<string, KeyEntry>): RingState {
  const kids = [...entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  const byMacTag = new Map<number, KeyEntry>()
  for (const entry of entries.values()) {
    const tag = entry.macTag.readUInt32BE(0)
    if (byMacTag.has(tag)) throw new ConfigError(`JWT_KEYS_DIR kid ${JSON.stringify(entry.kid)} has the same refresh MAC tag as another kid: rename one`)
    byMacTag.set(tag, entry)
  }
  const keys = alg === 'HS256' ? [] : kids.map((kid) => entries.get(kid)?.jwk).filter((jwk) => jwk !== undefined)
  for (const jwk of keys) Object.freeze(jwk)
  const jwks = Object.freeze({ keys: Object.freeze(keys) as PublicJwk[] })
  const files = Object.freeze(kids.flatMap((kid) => {
    const file = entries.get(kid)?.file
    return file === undefined ? [] : [Object.freeze({ kid, file })]
  }))
  return { entries, kids: Object.freeze(kids), signing: entries.get(kids[kids.length - 1] as string) as KeyEntry, jwks, byMacTag, files }
}

/** Fresh key material for `alg`: a PKCS8 PEM private key, or 32 random bytes for HS256. */
export async function generateKeyMaterial (alg: JwtAlgorithm): Promise<string | Buffer> {
  if (alg === 'HS256') return randomBytes(MIN_HS256_SECRET_BYTES)
  const encoding = { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } } as const
  return await new Promise<string>((resolve, reject) => {
    const done = (error: Error | null, _publicKey: string, privateKey: string): void => { if (error === null) resolve(privateKey); else reject(error) }
    if (alg === 'EdDSA') generateKeyPair('ed25519', encoding, done)
    else if (alg === 'ES256') generateKeyPair('ec', { namedCurve: 'P-256', ...encoding }, done)
    else generateKeyPair('rsa', { modulusLength: MIN_RSA_BITS, ...encoding }, done)
  })
}

/**
 * Writes a new key file for `alg` into `dir` (`<kid>.pem`, or `<kid>.key` for HS256), readable by its
 * owner only, never overwriting. The default kid is the UTC time, so a newer key sorts last and signs.
 * Returns the file's path.
 */
export async function generateKeyFile (alg: JwtAlgorithm, dir: string, kid = new Date().toISOString().replace(/[-:]|\.\d+/g, '')): Promise<string> {
  const path = join(dir, `${kid}${alg === 'HS256' ? '.key' : '.pem'}`)
  await writeFile(path, await generateKeyMaterial(alg), { mode: 0o600, flag: 'wx' })
  return path
}

function entryOfTag (state: RingState, tag: Buffer): KeyEntry | undefined {
  return tag.length === 4 ? state.byMacTag.get(tag.readUInt32BE(0)) : undefined
}

// Copies, so no caller can alter the ring's own bytes.
function copyOf (key: Buffer | undefined): Buffer | undefined {
  return key === undefined ? undefined : Buffer.from(key)
}

async function ephemeralEntries (alg: JwtAlgorithm): Promise<Map<string, KeyEntry>> {
  const kid = `ephemeral-${randomUUID()}`
  const material = await generateKeyMaterial(alg)
  const parsed = Buffer.isBuffer(material) ? material : createPrivateKey(material)
  return new Map([[kid, entryFor(alg, kid, parsed)]])
}

/**
 * Loads the keys JWT_KEYS_DIR names, or makes one ephemeral key of JWT_ALG when it is unset. A file
 * that is not a key of JWT_ALG (or an HS256 secret under 32 bytes) stops start-up with a ConfigError
 * naming it.
 */
export async function loadKeyRing (config: Pick<Config, 'jwtAlg' | 'jwtKeysDir'>): Promise<KeyRing> {
  const { jwtAlg: alg, jwtKeysDir: dir } = config
  let state = ringState(alg, dir === undefined ? await ephemeralEntries(alg) : await readKeyDir(alg, dir))
  let version = 1
  return {
    alg,
    get version () { return version },
    get kids () { return state.kids },
    get signingKid () { return state.signing.kid },
    get files () { return state.files },
    get signingKey () { return state.signing.signingKey },
    verificationKey: (kid) => state.entries.get(kid)?.verificationKey,
    signatureCheck (kid) {
      const entry = state.entries.get(kid)
      if (entry === undefined) return undefined
      entry.check ??= signatureCheck(alg, entry.verificationKey.key)
      return entry.check
    },
    signatureMaker () {
      const entry = state.signing
      entry.maker ??= signatureMaker(alg, entry.signingKey.key)
      return entry.maker
    },
    jwks: () => state.jwks,
    async reload () {
      if (dir === undefined) return
      state = ringState(alg, await readKeyDir(alg, dir))
      version += 1
    },
    refreshMacKey: (tag) => copyOf(entryOfTag(state, tag)?.macKey),
    currentRefreshMac: () => ({ tag: Buffer.from(state.signing.macTag), key: Buffer.from(state.signing.macKey) }),
    deviceCookieMacKey: (tag) => copyOf(entryOfTag(state, tag)?.deviceMacKey),
    currentDeviceCookieMac: () => ({ tag: Buffer.from(state.signing.macTag), key: Buffer.from(state.signing.deviceMacKey) })
  }
}
