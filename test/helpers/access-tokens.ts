// Test helpers for access tokens: temporary key directories, an app with a test-only bearer route,
// and a forger that signs any header and payload with node:crypto alone (so forged tokens do not
// depend on the code under test).
import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type JwtAlgorithm } from '../../src/config.js'
import { generateKeyFile } from '../../src/domain/keys.js'
import { P256_ORDER, es256S, otherES256Signature } from './token-spellings.js'

interface Teardown { teardown (fn: () => unknown): void }

export const ALGORITHMS: JwtAlgorithm[] = ['EdDSA', 'ES256', 'RS256', 'HS256']
/** The route the tests protect; the real routes are tested in their own files. */
export const PROTECTED_URL = '/test/protected'

export interface KeyDir {
  dir: string
  /** kid → file path. */
  files: Map<string, string>
}

/** A temporary JWT_KEYS_DIR holding one key of `alg` per kid, removed at teardown. */
export async function tempKeyDir (t: Teardown, alg: JwtAlgorithm, kids: string[]): Promise<KeyDir> {
  const dir = await mkdtemp(join(tmpdir(), 'rotor-keys-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const files = new Map<string, string>()
  for (const kid of kids) files.set(kid, await generateKeyFile(alg, dir, kid))
  return { dir, files }
}

/** What a forger signs with: a private key object, or HS256 secret bytes. */
export type ForgeKey = KeyObject | Buffer | string

export async function readForgeKey (alg: JwtAlgorithm, path: string): Promise<ForgeKey> {
  const bytes = await readFile(path)
  return alg === 'HS256' ? bytes : createPrivateKey(bytes)
}

export function base64url (value: string | Buffer): string {
  return Buffer.from(value).toString('base64url')
}

/**
 * The signature of `input` under `alg`, in JWS form (RFC 7518 §3). ES256 signatures come in their
 * low-S form, the only one Rotor accepts (tests of the other form make it from this one).
 */
export function jwsSignature (alg: string, key: ForgeKey, input: string): string {
  if (alg.startsWith('HS')) return createHmac('sha256', key as Buffer | string).update(input).digest('base64url')
  const keyObject = key as KeyObject
  if (alg === 'EdDSA') return sign(null, Buffer.from(input), keyObject).toString('base64url')
  if (alg === 'ES256') {
    const signature = sign('sha256', Buffer.from(input), { key: keyObject, dsaEncoding: 'ieee-p1363' }).toString('base64url')
    return es256S(signature) > P256_ORDER / 2n ? otherES256Signature(signature) : signature
  }
  return sign('sha256', Buffer.from(input), keyObject).toString('base64url')
}

/**
 * A compact JWS of `header` and `payload` (objects, or raw JSON text to write what JSON.stringify
 * cannot, like 1e999), signed under `signAlg` (default: header.alg) with `key`; no key, no signature.
 */
export function forge (header: Record<string, unknown> | string, payload: Record<string, unknown> | string, key?: ForgeKey, signAlg?: string): string {
  const headerText = typeof header === 'string' ? header : JSON.stringify(header)
  const payloadText = typeof payload === 'string' ? payload : JSON.stringify(payload)
  const input = `${base64url(headerText)}.${base64url(payloadText)}`
  const alg = signAlg ?? (typeof header === 'string' ? '' : String(header.alg))
  return `${input}.${key === undefined ? '' : jwsSignature(alg, key, input)}`
}

export interface BearerApp {
  app: FastifyInstance
  /** The app's clock (ms); tests move it. */
  clock: { now: number }
}

/**
 * An app from `env` (silent logs) with a test-only GET PROTECTED_URL that answers request.auth,
 * on a clock the test controls. Closed at teardown.
 */
export async function bearerApp (t: Teardown, env: Record<string, string> = {}, startMs = Date.UTC(2030, 0, 1)): Promise<BearerApp> {
  const clock = { now: startMs }
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', ...env }), { now: () => clock.now })
  t.teardown(async () => { await app.close() })
  app.get(PROTECTED_URL, { config: { bearer: true }, preHandler: app.authenticate }, async (request) => request.auth)
  await app.ready()
  return { app, clock }
}
