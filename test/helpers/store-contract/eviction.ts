// Contract: SESSIONS_PER_USER_MAX (CreateSessionInput.maxSessionsPerUser). A session created while
// its user holds the cap ends the least recently used ones (lastUsedAt, then createdAt, then id)
// with an `evicted` revocation each, in the same call; ended and expired sessions do not count;
// no other user is touched.
import type { Test } from 'tap'
import type { CreateSessionInput } from '../../../src/store/types.js'
import type { ContractCase, HeldSession, StoreHarness } from './harness.js'
import { IDLE_MS, MAX_MS, fakeHash, newUser, openSession, randomId, rotate, rotation } from './harness.js'
import { expected, feedAfter, feedEnd, withoutId } from './revocations.js'

/** Creates a session under the cap; returns it as a client holds it, with the ids its creation evicted. */
async function login (h: StoreHarness, input: Partial<CreateSessionInput> & { userId: string, maxSessionsPerUser: number }): Promise<HeldSession & { evicted: string[] }> {
  const full: CreateSessionInput = {
    sessionId: randomId(), tokenHash: fakeHash(), now: h.now(), idleTtlMs: IDLE_MS, maxTtlMs: MAX_MS, ip: '203.0.113.8', userAgent: 'eviction/1.0', ...input
  }
  const { session, evictedSessionIds } = await h.store.createSession(full)
  return { userId: full.userId, sessionId: full.sessionId, generation: 1, hash: full.tokenHash, record: session, evicted: evictedSessionIds }
}

async function expectGone (t: Test, h: StoreHarness, held: HeldSession, now: number): Promise<void> {
  t.equal(await h.store.findSession(held.userId, held.sessionId, now), null, `${held.sessionId} has ended`)
  t.equal((await h.store.rotateRefreshToken(rotation(held, { now }))).outcome, 'invalid', `${held.sessionId}: its refresh token is dead`)
}

export const evictionCases: Record<string, ContractCase> = {
  'a cap of N and N + k logins: the k least recently used end, each revoked as evicted': async (t, h) => {
    const N = 4
    const k = 3
    const user = newUser()
    await h.store.createUser(user)
    const bystander = randomId()
    const base = h.now()
    for (let i = 0; i < N; i++) await login(h, { userId: bystander, maxSessionsPerUser: N, now: base })
    const start = await feedEnd(h)
    const first: HeldSession[] = []
    for (let i = 0; i < N; i++) {
      const held = await login(h, { userId: user.id, maxSessionsPerUser: N, now: base + i * 1000 })
      t.same(held.evicted, [], `login ${i + 1} of ${N} evicts nothing`)
      first.push(held)
    }
    // The oldest login, refreshed since, is the most recently used: it survives.
    const refreshed = await rotate(t, h, first[0] as HeldSession, { now: base + N * 1000 })
    const later: HeldSession[] = []
    for (let j = 0; j < k; j++) {
      const held = await login(h, { userId: user.id, maxSessionsPerUser: N, now: base + (N + 1 + j) * 1000 })
      t.same(held.evicted, [(first[j + 1] as HeldSession).sessionId], `login ${N + j + 1} evicts the least recently used, and says so`)
      later.push(held)
    }
    const now = base + (N + k) * 1000
    const listed = await h.store.listSessions(user.id, now)
    t.equal(listed.length, N, `the user holds ${N} sessions`)
    t.same(listed.map((s) => s.id).sort(), [refreshed.sessionId, ...later.map((s) => s.sessionId)].sort(), 'the refreshed one and the newest')
    for (const evicted of first.slice(1)) await expectGone(t, h, evicted, now)
    t.ok(await h.store.findSession(user.id, refreshed.sessionId, now), 'the refreshed session lives')
    t.equal((await h.store.rotateRefreshToken(rotation(refreshed, { now }))).outcome, 'rotated', 'and its token still rotates')

    const feed = await feedAfter(h, start)
    t.same(feed.map(withoutId), first.slice(1).map((held, j) => expected(h, user.id, held.sessionId, 'evicted', base + (N + 1 + j) * 1000)),
      `exactly ${k} revocations, reason evicted, in eviction order`)
    t.equal((await h.store.listSessions(bystander, now)).length, N, 'another user at the cap keeps every session')
    t.notOk(feed.some((revocation) => revocation.sub === bystander), 'and is not revoked')
  },

  'one login evicts as many as it takes when the cap is below what the user holds; ties go by id': async (t, h) => {
    const userId = randomId()
    const now = h.now()
    const held: HeldSession[] = []
    for (let i = 0; i < 5; i++) held.push(await openSession(h, { userId, now }))
    const start = await feedEnd(h)
    const created = await login(h, { userId, maxSessionsPerUser: 2, now })
    const byId = held.map((s) => s.sessionId).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    t.same(created.evicted, byId.slice(0, 4), 'four ended, lowest ids first (same lastUsedAt and createdAt)')
    t.same((await h.store.listSessions(userId, now)).map((s) => s.id).sort(), [byId[4], created.sessionId].sort(), 'two left')
    t.same((await feedAfter(h, start)).map((revocation) => revocation.sid), byId.slice(0, 4))
    const survivors = [byId[4] as string, created.sessionId].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    t.same((await login(h, { userId, maxSessionsPerUser: 2, now })).evicted, [survivors[0]], 'evicting one alone, the tie goes by id too')
  },

  'ended and expired sessions do not count toward the cap, and leave the index': async (t, h) => {
    const userId = randomId()
    const base = h.now()
    const expiring = [await openSession(h, { userId, now: base, idleTtlMs: 1000 }), await openSession(h, { userId, now: base, idleTtlMs: 1000 })]
    const live = [await openSession(h, { userId, now: base }), await openSession(h, { userId, now: base + 1 })]
    const loggedOut = await openSession(h, { userId, now: base })
    t.ok(await h.store.endSession(userId, loggedOut.sessionId, 'logout', base))
    const start = await feedEnd(h)
    const third = await login(h, { userId, maxSessionsPerUser: 3, now: base + 1000 })
    t.same(third.evicted, [], 'two live sessions and this one make three: nothing evicted')
    const indexed = await h.indexedSessionIds(userId)
    for (const gone of expiring) t.notOk(indexed.includes(gone.sessionId), 'an expired session left the index')
    t.same(await feedAfter(h, start), [], 'nothing revoked')
    const fourth = await login(h, { userId, maxSessionsPerUser: 3, now: base + 2000 })
    t.same(fourth.evicted, [(live[0] as HeldSession).sessionId], 'the next login evicts the least recently used live one')
    t.same((await feedAfter(h, start)).map((revocation) => [revocation.sid, revocation.reason]), [[(live[0] as HeldSession).sessionId, 'evicted']])
  },

  'a cap of 1: each login ends the one before': async (t, h) => {
    const userId = randomId()
    const base = h.now()
    const start = await feedEnd(h)
    let previous = await login(h, { userId, maxSessionsPerUser: 1, now: base })
    for (let i = 1; i <= 3; i++) {
      const next = await login(h, { userId, maxSessionsPerUser: 1, now: base + i })
      t.same(next.evicted, [previous.sessionId], `login ${i + 1} ended login ${i}`)
      previous = next
    }
    t.same((await h.store.listSessions(userId, base + 3)).map((s) => s.id), [previous.sessionId])
    t.equal((await feedAfter(h, start)).filter((revocation) => revocation.reason === 'evicted').length, 3)
  }
}
