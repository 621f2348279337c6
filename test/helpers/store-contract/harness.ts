// Shared pieces of the store contract suite (test/store/contract.ts): the harness a store's test
// file provides, random ids and session fixtures.
import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import type {
  AuthStore, CreateSessionInput, RotateRefreshTokenInput, SessionRecord, UserRecord
} from '../../../src/store/types.js'

/** What a store's test file hands the contract, one per subtest. */
export interface StoreHarness {
  store: AuthStore
  /**
   * The time the store's TTLs run on: the injected clock (memory) or Date.now() (Redis). Tests
   * derive every `now` they pass from it, so TTLs and decisions agree.
   */
  now (): number
  /** Lets `ms` of TTL time pass: advance the injected clock, or sleep against Redis. */
  wait (ms: number): Promise<void>
  /** The session ids in the user's index as stored, read without pruning; [] when it has gone. */
  indexedSessionIds (userId: string): Promise<string[]>
  /** The ACCESS_TOKEN_TTL (seconds) the store was given: revocations stay in force that long plus 5 s. */
  accessTokenTtl: number
  /** Closes what the factory opened. Runs after the subtest; store-only checks may go here too. */
  teardown (): Promise<void>
}

/** Builds a fresh harness for one subtest (`t` lets it add its own checks or teardowns). */
export type StoreFactory = (t: Test) => Promise<StoreHarness>

export type ContractCase = (t: Test, h: StoreHarness) => Promise<void>

// Times for decision tests, long enough that real Redis TTLs never interfere with a slow run.
export const IDLE_MS = 60_000
export const MAX_MS = 600_000
export const GRACE_MS = 10_000

/** base64url of 16 random bytes, like real ids, so suites can share one Redis. */
export const randomId = (): string => randomBytes(16).toString('base64url')
/** Shaped like a refresh-token hash (22 chars). */
export const fakeHash = (): string => randomBytes(16).toString('base64url')
/** Shaped like a successor box (43 chars). */
export const fakeBox = (): string => randomBytes(32).toString('base64url')

export function newUser (overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: randomId(),
    username: `user-${randomId().toLowerCase()}`,
    passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${fakeHash()}$${fakeBox()}`,
    createdAt: Date.now(),
    ...overrides
  }
}

/** A session as a client holds it: its ids and its current token (generation + hash). */
export interface HeldSession {
  userId: string
  sessionId: string
  generation: number
  hash: string
  record: SessionRecord
}

export async function openSession (h: StoreHarness, input: Partial<CreateSessionInput> = {}): Promise<HeldSession> {
  const full: CreateSessionInput = {
    userId: randomId(),
    sessionId: randomId(),
    tokenHash: fakeHash(),
    now: h.now(),
    idleTtlMs: IDLE_MS,
    maxTtlMs: MAX_MS,
    ip: '203.0.113.7',
    userAgent: 'contract-suite/1.0',
    ...input
  }
  const { session: record } = await h.store.createSession(full)
  return { userId: full.userId, sessionId: full.sessionId, generation: 1, hash: full.tokenHash, record }
}

/** A rotation request presenting `held`'s token with a fresh successor. */
export function rotation (held: HeldSession, input: Partial<RotateRefreshTokenInput> & { now: number }): RotateRefreshTokenInput {
  return {
    userId: held.userId,
    sessionId: held.sessionId,
    generation: held.generation,
    presentedHash: held.hash,
    successorHash: fakeHash(),
    successorBox: fakeBox(),
    idleTtlMs: IDLE_MS,
    graceMs: GRACE_MS,
    ip: held.record.ip,
    userAgent: held.record.userAgent,
    ...input
  }
}

/** Rotates `held` and returns the client's view afterwards; fails the test unless it rotated. */
export async function rotate (t: Test, h: StoreHarness, held: HeldSession, input: Partial<RotateRefreshTokenInput> & { now: number }): Promise<HeldSession> {
  const request = rotation(held, input)
  const result = await h.store.rotateRefreshToken(request)
  if (result.outcome !== 'rotated') {
    t.fail(`expected rotated, got ${result.outcome}`)
    throw new Error('rotation failed')
  }
  return { ...held, generation: result.generation, hash: request.successorHash, record: result.session }
}

