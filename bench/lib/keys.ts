// A JWT_KEYS_DIR for one algorithm, written fresh for each run, and the public half the fjwt baseline
// verifies with. Generated here (not with src/domain/keys.ts) so the bench depends on nothing but
// the contract: `<kid>.pem` PKCS8 private keys, or `<kid>.key` secrets of 32 bytes for HS256.
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onCleanup } from './children.js'

export const ALGORITHMS = ['EdDSA', 'ES256', 'RS256', 'HS256'] as const
export type Algorithm = (typeof ALGORITHMS)[number]

export interface BenchKeys {
  alg: Algorithm
  kid: string
  dir: string
  /** PKCS8 PEM private key, or the HS256 secret. */
  privateKey: string | Buffer
  /** SPKI PEM public key, or the HS256 secret: what a verifier needs. */
  verifyKey: string | Buffer
  /** A file (outside `dir`) holding verifyKey, for the fjwt baseline. */
  verifyKeyFile: string
}

function privatePem (alg: Exclude<Algorithm, 'HS256'>): string {
  const { privateKey } = alg === 'EdDSA'
    ? generateKeyPairSync('ed25519')
    : alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 })
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
}

/** A fresh key directory for `alg`, removed when the run ends. */
export async function writeKeys (alg: Algorithm): Promise<BenchKeys> {
  const base = await mkdtemp(join(tmpdir(), `rotor-bench-keys-${alg.toLowerCase()}-`))
  onCleanup(async () => { await rm(base, { recursive: true, force: true }) })
  const dir = join(base, 'keys')
  await mkdir(dir, { mode: 0o700 })
  const kid = 'bench-2026-01-01'
  const verifyKeyFile = join(base, 'verify-key')
  let privateKey: string | Buffer
  let verifyKey: string | Buffer
  if (alg === 'HS256') {
    privateKey = verifyKey = randomBytes(32)
    await writeFile(join(dir, `${kid}.key`), privateKey, { mode: 0o600 })
  } else {
    privateKey = privatePem(alg)
    await writeFile(join(dir, `${kid}.pem`), privateKey, { mode: 0o600 })
    verifyKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string
  }
  await writeFile(verifyKeyFile, verifyKey, { mode: 0o600 })
  return { alg, kid, dir, privateKey, verifyKey, verifyKeyFile }
}
