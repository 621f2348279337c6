// Contract: refresh-token rotation (RotateRefreshTokenResult in src/store/types.ts):
// rotated, grace replay, reuse detection, forged tokens, and concurrency.
import type { Test } from 'tap'
import type { ContractCase, HeldSession, StoreHarness } from './harness.js'
import { GRACE_MS, IDLE_MS, fakeBox, fakeHash, newUser, openSession, randomId, rotate, rotation } from './harness.js'

async function concurrentRotations (t: Test, h: StoreHarness, n: number): Promise<void> {
  const held = await openSession(h)
  const now = h.now()
  const requests = Array.from({ length: n }, () => rotation(held, { now }))
  const results = await Promise.all(requests.map(async (r) => await h.store.rotateRefreshToken(r)))
  const winners = results.flatMap((r, i) => (r.outcome === 'rotated' ? [i] : []))
  t.equal(winners.length, 1, 'exactly one rotated')
  const winner = requests[winners[0] ?? -1]
  if (winner === undefined) return
  for (const result of results) {
    if (result.outcome === 'rotated') continue
    t.equal(result.outcome, 'grace')
    if (result.outcome === 'grace') {
      t.equal(result.successorBox, winner.successorBox, "the winner's successor")
      t.equal(result.generation, 2)
    }
  }
  const loser = requests.find((r) => r !== winner)
  if (loser !== undefined) {
    const lost = { ...held, generation: 2, hash: loser.successorHash }
    t.equal((await h.store.rotateRefreshToken(rotation(lost, { now }))).outcome, 'invalid', "a loser's successor never became a token")
  }
  await rotate(t, h, { ...held, generation: 2, hash: winner.successorHash }, { now })
}

/** Runs `end` against a rotation in flight, many times over, and checks nothing is left alive. */
async function rotationRacing (t: Test, h: StoreHarness, end: (h: StoreHarness, held: HeldSession, now: number) => Promise<unknown>): Promise<void> {
  await Promise.all(Array.from({ length: 20 }, async () => {
    const user = newUser()
    await h.store.createUser(user)
    const held = await openSession(h, { userId: user.id })
    const now = h.now()
    const request = rotation(held, { now })
    const [result] = await Promise.all([h.store.rotateRefreshToken(request), end(h, held, now)])
    t.equal(await h.store.findSession(held.userId, held.sessionId, now), null, `no live session (rotation: ${result.outcome})`)
    t.same(await h.store.listSessions(held.userId, now), [])
    if (result.outcome === 'rotated') {
      const successor = { ...held, generation: result.generation, hash: request.successorHash }
      t.equal((await h.store.rotateRefreshToken(rotation(successor, { now }))).outcome, 'invalid', 'the successor is dead')
    }
  }))
}

export const rotationCases: Record<string, ContractCase> = {
  'rotation installs the successor, bumps the generation and slides the expiry': async (t, h) => {
    const held = await openSession(h)
    const now = h.now() + 5000
    const request = rotation(held, { now })
    const result = await h.store.rotateRefreshToken(request)
    t.match(result, { outcome: 'rotated', generation: 2, session: { id: held.sessionId, userId: held.userId, createdAt: held.record.createdAt, lastUsedAt: now, expiresAt: now + IDLE_MS, ip: held.record.ip, userAgent: held.record.userAgent } })
    t.same(await h.store.findSession(held.userId, held.sessionId, now), result.outcome === 'rotated' ? result.session : null)
    const next = await rotate(t, h, { ...held, generation: 2, hash: request.successorHash }, { now: now + 1 })
    t.equal(next.generation, 3, 'the successor rotates in turn')
  },

  'a counter given with a rotation is counted first; past its max nothing else happens': async (t, h) => {
    const held = await openSession(h)
    const now = h.now()
    const counter = { key: `rotation-limit:${randomId()}`, windowMs: 60_000, max: 2 }
    const firstRequest = rotation(held, { now })
    const first = await h.store.rotateRefreshToken({ ...firstRequest, counter })
    t.equal(first.outcome, 'rotated')
    t.same(first.counted, { count: 1, resetAt: now + 60_000 }, 'counted, the window starting now')
    await h.store.incrementCounter(counter.key, counter.windowMs, now)
    const current = { ...held, generation: 2, hash: firstRequest.successorHash }
    const limited = await h.store.rotateRefreshToken({ ...rotation(current, { now }), counter })
    t.same(limited, { outcome: 'limited', counted: { count: 3, resetAt: now + 60_000 } }, 'the third hit is past the max')
    t.same(await h.store.readCounter(counter.key, now), { count: 3, resetAt: now + 60_000 }, 'and was counted')
    await rotate(t, h, current, { now })
  },

  'grace replay returns the same successor and changes nothing': async (t, h) => {
    const held = await openSession(h)
    const now = h.now()
    const request = rotation(held, { now })
    const rotated = await h.store.rotateRefreshToken(request)
    for (const later of [now + 1, now + GRACE_MS]) {
      const replay = await h.store.rotateRefreshToken(rotation(held, { now: later }))
      t.same(replay, { outcome: 'grace', generation: 2, successorBox: request.successorBox, session: rotated.outcome === 'rotated' ? rotated.session : null })
    }
    t.equal((await h.store.findSession(held.userId, held.sessionId, now + GRACE_MS))?.lastUsedAt, now, 'no slide')
    await rotate(t, h, { ...held, generation: 2, hash: request.successorHash }, { now: now + GRACE_MS })
  },

  'a rotation records its client; a grace replay reports that rotation\'s time and client, whoever replays': async (t, h) => {
    const held = await openSession(h, { ip: '203.0.113.1', userAgent: 'Login/1.0' })
    const now = h.now()
    const request = rotation(held, { now: now + 5, ip: '2001:db8::7', userAgent: `Rotator/2.0 (é😀) ${'x'.repeat(150)}` })
    const rotated = await h.store.rotateRefreshToken(request)
    const rotatedBy = { lastUsedAt: now + 5, ip: request.ip, userAgent: request.userAgent }
    t.match(rotated, { outcome: 'rotated', session: rotatedBy })
    t.match(await h.store.findSession(held.userId, held.sessionId, now + 6), rotatedBy, 'the session shows where it was last used')
    t.match(await h.store.listSessions(held.userId, now + 6), [rotatedBy], 'in the list too')
    const replay = await h.store.rotateRefreshToken(rotation(held, { now: now + 7, ip: '198.51.100.9', userAgent: 'Other/3.0' }))
    t.match(replay, { outcome: 'grace', session: rotatedBy }, 'the rotation that spent the token, not the replaying client')
    t.match(await h.store.findSession(held.userId, held.sessionId, now + 8), rotatedBy, 'a grace replay records nothing')
  },

  'grace is only for the latest spent token, within graceMs of the rotation': async (t, h) => {
    const held = await openSession(h)
    const now = h.now()
    await rotate(t, h, held, { now })
    t.equal((await h.store.rotateRefreshToken(rotation(held, { now: now + GRACE_MS + 1 }))).outcome, 'reused', 'one ms late')
    const twice = await openSession(h)
    const second = await rotate(t, h, twice, { now })
    await rotate(t, h, second, { now })
    t.equal((await h.store.rotateRefreshToken(rotation(twice, { now }))).outcome, 'reused', 'a token two generations old, at once')
  },

  'graceMs 0 disables grace: the just-spent token is reuse': async (t, h) => {
    const held = await openSession(h)
    const now = h.now()
    await rotate(t, h, held, { now, graceMs: 0 })
    t.same(await h.store.rotateRefreshToken(rotation(held, { now, graceMs: 0 })), { outcome: 'reused' })
  },

  'reuse after the grace window ends the session and its current token': async (t, h) => {
    const held = await openSession(h)
    const now = h.now()
    const current = await rotate(t, h, held, { now })
    t.same(await h.store.rotateRefreshToken(rotation(held, { now: now + GRACE_MS + 1 })), { outcome: 'reused' })
    t.equal(await h.store.findSession(held.userId, held.sessionId, now + GRACE_MS + 1), null)
    t.same(await h.store.rotateRefreshToken(rotation(current, { now: now + GRACE_MS + 2 })), { outcome: 'invalid' }, 'the current token is dead')
    t.same(await h.store.rotateRefreshToken(rotation(held, { now: now + GRACE_MS + 2 })), { outcome: 'invalid' }, 'a second reuse finds nothing')
  },

  'a token four generations old is reuse': async (t, h) => {
    const first = await openSession(h)
    const now = h.now()
    let current = first
    for (let i = 0; i < 4; i++) current = await rotate(t, h, current, { now: now + i })
    t.equal(current.generation, 5)
    t.same(await h.store.rotateRefreshToken(rotation(first, { now: now + 4 })), { outcome: 'reused' })
    t.same(await h.store.rotateRefreshToken(rotation(current, { now: now + 5 })), { outcome: 'invalid' })
  },

  'a forged token is invalid and does not end the session': async (t, h) => {
    const held = await openSession(h)
    const now = h.now()
    const current = await rotate(t, h, held, { now })
    const forgeries: Array<[string, HeldSession]> = [
      ['wrong hash, current generation', { ...current, hash: fakeHash() }],
      ['wrong hash, future generation', { ...current, generation: 7, hash: fakeHash() }],
      ['current hash, future generation', { ...current, generation: 3 }],
      ['spent hash, current generation', { ...current, hash: held.hash }],
      ['unknown session id', { ...current, sessionId: randomId() }],
      ['another user', { ...current, userId: randomId() }]
    ]
    for (const [name, forged] of forgeries) {
      t.same(await h.store.rotateRefreshToken(rotation(forged, { now })), { outcome: 'invalid' }, name)
    }
    t.ok(await h.store.findSession(held.userId, held.sessionId, now), 'the session lives')
    await rotate(t, h, current, { now })
  },

  "a grace replay ignores the replaying caller's successor": async (t, h) => {
    const held = await openSession(h)
    const now = h.now()
    const first = rotation(held, { now })
    await h.store.rotateRefreshToken(first)
    const replay = await h.store.rotateRefreshToken({ ...rotation(held, { now }), successorBox: fakeBox() })
    t.match(replay, { outcome: 'grace', successorBox: first.successorBox })
    await rotate(t, h, { ...held, generation: 2, hash: first.successorHash }, { now })
  },

  '20 concurrent rotations of one token: one rotated, the rest grace with its successor': async (t, h) => {
    await concurrentRotations(t, h, 20)
  },

  '100 concurrent rotations of one token: one rotated, the rest grace with its successor': async (t, h) => {
    await concurrentRotations(t, h, 100)
  },

  'rotation racing endSession leaves no live session': async (t, h) => {
    await rotationRacing(t, h, async (h, held, now) => await h.store.endSession(held.userId, held.sessionId, 'logout', now))
  },

  'rotation racing endAllSessions leaves no live session': async (t, h) => {
    await rotationRacing(t, h, async (h, held, now) => await h.store.endAllSessions(held.userId, now))
  },

  'rotation racing changePassword leaves no live session': async (t, h) => {
    await rotationRacing(t, h, async (h, held, now) => {
      const user = await h.store.findUserById(held.userId)
      return await h.store.changePassword({ userId: held.userId, previousPasswordHash: user?.passwordHash ?? '', passwordHash: fakeHash(), keepSessionId: null, now })
    })
  }
}
