// Contract: session records, endSession, endAllSessions, listSessions, findSession and the
// per-user index (ended sessions leave it on the next touch).
import type { ContractCase, HeldSession, StoreHarness } from './harness.js'
import { GRACE_MS, IDLE_MS, MAX_MS, fakeHash, newUser, openSession, randomId, rotate, rotation } from './harness.js'

// Each operation that must prune the index first, run at `now` against a user whose index holds
// an expired session and a live `other` one (which only endAllSessions ends).
// The operations that walk a user's index. Rotation and ending one session touch only their own
// entry; the index cannot grow but through createSession, which prunes it, so it stays bounded.
const touches: Record<string, (h: StoreHarness, userId: string, other: HeldSession, now: number) => Promise<unknown>> = {
  listSessions: async (h, userId, _other, now) => await h.store.listSessions(userId, now),
  endAllSessions: async (h, userId, _other, now) => await h.store.endAllSessions(userId, now),
  changePassword: async (h, userId, other, now) => {
    const user = await h.store.findUserById(userId)
    return await h.store.changePassword({ userId, previousPasswordHash: user?.passwordHash ?? '', passwordHash: fakeHash(), keepSessionId: other.sessionId, now })
  }
}

export const sessionCases: Record<string, ContractCase> = {
  'createSession returns the record, which findSession and listSessions show': async (t, h) => {
    const now = h.now()
    const held = await openSession(h, { now, ip: '2001:db8::1', userAgent: 'Firefox/140' })
    const expected = {
      id: held.sessionId, userId: held.userId, createdAt: now, lastUsedAt: now, expiresAt: now + IDLE_MS, ip: '2001:db8::1', userAgent: 'Firefox/140'
    }
    t.same(held.record, expected)
    t.same(await h.store.findSession(held.userId, held.sessionId, now), expected)
    t.same(await h.store.listSessions(held.userId, now), [expected])
    const capped = await openSession(h, { now, idleTtlMs: MAX_MS, maxTtlMs: IDLE_MS })
    t.equal(capped.record.expiresAt, now + IDLE_MS, 'expiresAt is the earlier of idle and absolute expiry')
  },

  'findSession is null for an unknown id, another user, an ended or an expired session': async (t, h) => {
    const held = await openSession(h)
    const now = h.now()
    t.equal(await h.store.findSession(held.userId, randomId(), now), null)
    t.equal(await h.store.findSession(randomId(), held.sessionId, now), null)
    t.equal(await h.store.findSession(held.userId, held.sessionId, held.record.expiresAt), null, 'expiresAt <= now is not live')
    t.ok(await h.store.findSession(held.userId, held.sessionId, held.record.expiresAt - 1), 'live until then')
    await h.store.endSession(held.userId, held.sessionId, 'logout', now)
    t.equal(await h.store.findSession(held.userId, held.sessionId, now), null)
  },

  'endSession is idempotent and ends only a live session of the given user': async (t, h) => {
    const held = await openSession(h)
    const now = h.now()
    t.equal(await h.store.endSession(randomId(), held.sessionId, 'revoked', now), false, "another user's session")
    t.ok(await h.store.findSession(held.userId, held.sessionId, now), 'which still lives')
    t.equal(await h.store.endSession(held.userId, held.sessionId, 'logout', now), true)
    t.equal(await h.store.endSession(held.userId, held.sessionId, 'logout', now), false, 'second time')
    t.equal((await h.store.rotateRefreshToken(rotation(held, { now }))).outcome, 'invalid', 'its token is dead')
    const expired = await openSession(h)
    t.equal(await h.store.endSession(expired.userId, expired.sessionId, 'logout', expired.record.expiresAt), false, 'an expired session')
    t.equal(await h.store.endSession(held.userId, randomId(), 'logout', now), false, 'an unknown id')
  },

  'endAllSessions ends every live session of one user and counts them': async (t, h) => {
    const userId = randomId()
    const now = h.now()
    const live = [await openSession(h, { userId }), await openSession(h, { userId }), await openSession(h, { userId })]
    await openSession(h, { userId, now, idleTtlMs: 1000 })
    const bystander = await openSession(h)
    t.equal(await h.store.endAllSessions(userId, now + 1000), 3, 'the expired one is not counted')
    t.same(await h.store.listSessions(userId, now + 1000), [])
    for (const held of live) t.equal((await h.store.rotateRefreshToken(rotation(held, { now: now + 1000 }))).outcome, 'invalid')
    t.ok(await h.store.findSession(bystander.userId, bystander.sessionId, now + 1000), 'another user is untouched')
    t.equal(await h.store.endAllSessions(userId, now + 1000), 0)
  },

  'listSessions returns live sessions only, oldest first by creation': async (t, h) => {
    const userId = randomId()
    const base = h.now()
    const b = await openSession(h, { userId, now: base + 2000 })
    const a = await openSession(h, { userId, now: base + 1000 })
    const c = await openSession(h, { userId, now: base + 3000 })
    const ended = await openSession(h, { userId, now: base + 1500 })
    await openSession(h, { userId, now: base, idleTtlMs: 4000 })
    await h.store.endSession(userId, ended.sessionId, 'logout', base + 3000)
    await rotate(t, h, a, { now: base + 4000 })
    const list = await h.store.listSessions(userId, base + 4000)
    t.same(list.map((s) => s.id), [a.sessionId, b.sessionId, c.sessionId], 'created order, even after a slid rotation')
    t.equal(list[0]?.lastUsedAt, base + 4000, 'records are current')
    t.same(await h.store.listSessions(randomId(), base), [], 'a user without sessions')
  },

  'every operation that walks the index prunes expired sessions from it': async (t, h) => {
    for (const [name, touch] of Object.entries(touches)) {
      const user = newUser()
      await h.store.createUser(user)
      const base = h.now()
      const expired = await openSession(h, { userId: user.id, now: base, idleTtlMs: 1000 })
      const other = await openSession(h, { userId: user.id, now: base })
      t.same((await h.indexedSessionIds(user.id)).sort(), [expired.sessionId, other.sessionId].sort(), `${name}: both indexed`)
      await touch(h, user.id, other, base + 1000)
      const ids = await h.indexedSessionIds(user.id)
      t.notOk(ids.includes(expired.sessionId), `${name} pruned the expired session`)
      if (name === 'endAllSessions') t.same(ids, [], 'endAllSessions emptied it')
      else t.ok(ids.includes(other.sessionId), `${name} kept the live one`)
    }
  },

  // createSession is the one walker that runs on every login: it walks only once the index has
  // reached a power of two fields (lua/create-session.lua), so stale fields go, in bounded number.
  'createSession drops ended sessions from the index within twice the live sessions plus 16': async (t, h) => {
    const userId = randomId()
    const base = h.now()
    for (let i = 0; i < 60; i++) await openSession(h, { userId, now: base, idleTtlMs: 1000 })
    let largest = 0
    for (let live = 1; live <= 150; live++) {
      await openSession(h, { userId, now: base + 1000 })
      largest = Math.max(largest, (await h.indexedSessionIds(userId)).length)
      if (largest > 2 * live + 16 + 60) break
    }
    t.equal((await h.indexedSessionIds(userId)).length, 150, 'only the 150 live sessions are left indexed')
    t.ok(largest <= 2 * 150 + 16, `the index never held more than ${largest} ids`)
    t.equal((await h.store.listSessions(userId, base + 1000)).length, 150, 'all live ones listed')
  },

  'an ended session leaves the index at once; an empty index goes': async (t, h) => {
    const userId = randomId()
    const now = h.now()
    const first = await openSession(h, { userId })
    const second = await openSession(h, { userId })
    await h.store.endSession(userId, first.sessionId, 'logout', now)
    t.same(await h.indexedSessionIds(userId), [second.sessionId])
    await rotate(t, h, second, { now })
    t.equal((await h.store.rotateRefreshToken(rotation(second, { now: now + GRACE_MS + 1 }))).outcome, 'reused')
    t.same(await h.indexedSessionIds(userId), [], 'reuse removed it, and the index with it')
  }
}
