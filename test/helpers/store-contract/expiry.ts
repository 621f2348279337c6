// Contract: expiry. Decisions follow the caller's `now` (idle expiry, sliding renewal, absolute
// lifetime); the store's own TTLs remove what has ended even for a caller whose `now` lags
// (real time against Redis, so short TTLs and sleeps of a few hundred ms).
import type { ContractCase } from './harness.js'
import { openSession, randomId, rotate, rotation } from './harness.js'

export const expiryCases: Record<string, ContractCase> = {
  'idle expiry: at lastUsedAt + idle the session is gone, and nothing changed': async (t, h) => {
    const held = await openSession(h)
    const { expiresAt } = held.record
    t.same(await h.store.rotateRefreshToken(rotation(held, { now: expiresAt })), { outcome: 'invalid' })
    t.equal(await h.store.findSession(held.userId, held.sessionId, expiresAt), null)
    t.same(await h.store.listSessions(held.userId, expiresAt), [])
    t.equal((await h.store.rotateRefreshToken(rotation(held, { now: expiresAt - 1 }))).outcome, 'rotated', 'the expired answer spent nothing')
  },

  'sliding renewal keeps an active session alive past its first idle deadline': async (t, h) => {
    const base = h.now()
    let held = await openSession(h, { now: base, idleTtlMs: 60_000, maxTtlMs: 600_000 })
    for (const at of [50_000, 100_000, 150_000]) {
      held = await rotate(t, h, held, { now: base + at, idleTtlMs: 60_000 })
      t.equal(held.record.expiresAt, base + at + 60_000)
    }
    t.ok(await h.store.findSession(held.userId, held.sessionId, base + 209_999), 'alive long after the first deadline')
    t.same((await h.store.listSessions(held.userId, base + 200_000)).map((s) => s.id), [held.sessionId], 'still indexed')
    t.equal(await h.store.findSession(held.userId, held.sessionId, base + 210_000), null, 'until it idles')
  },

  'absolute lifetime ends a session however active': async (t, h) => {
    const base = h.now()
    let held = await openSession(h, { now: base, idleTtlMs: 60_000, maxTtlMs: 150_000 })
    held = await rotate(t, h, held, { now: base + 50_000, idleTtlMs: 60_000 })
    held = await rotate(t, h, held, { now: base + 100_000, idleTtlMs: 60_000 })
    t.equal(held.record.expiresAt, base + 150_000, 'capped at createdAt + max')
    held = await rotate(t, h, held, { now: base + 149_999, idleTtlMs: 60_000 })
    t.equal(held.record.expiresAt, base + 150_000)
    t.same(await h.store.rotateRefreshToken(rotation(held, { now: base + 150_000, idleTtlMs: 60_000 })), { outcome: 'invalid' })
    t.equal(await h.store.findSession(held.userId, held.sessionId, base + 150_000), null)
  },

  "an ended session's records expire: a caller with a lagging now cannot see them": async (t, h) => {
    const now = h.now()
    const idled = await openSession(h, { now, idleTtlMs: 300, maxTtlMs: 60_000 })
    const capped = await openSession(h, { now, idleTtlMs: 60_000, maxTtlMs: 300 })
    t.ok(await h.store.findSession(idled.userId, idled.sessionId, now))
    await h.wait(500)
    for (const held of [idled, capped]) {
      t.equal(await h.store.findSession(held.userId, held.sessionId, now), null, 'the session record is gone')
      t.same(await h.store.listSessions(held.userId, now), [])
      t.same(await h.indexedSessionIds(held.userId), [], 'and so is the index')
      t.same(await h.store.rotateRefreshToken(rotation(held, { now })), { outcome: 'invalid' })
    }
  },

  "rotation extends the session's expiry": async (t, h) => {
    const held = await openSession(h, { idleTtlMs: 1000, maxTtlMs: 60_000 })
    await h.wait(600)
    const rotatedAt = h.now()
    const current = await rotate(t, h, held, { now: rotatedAt, idleTtlMs: 1000 })
    await h.wait(600)
    t.ok(await h.store.findSession(held.userId, held.sessionId, rotatedAt), 'alive past its first deadline')
    t.same(await h.indexedSessionIds(held.userId), [held.sessionId], 'and indexed')
    await h.wait(1000)
    t.equal(await h.store.findSession(held.userId, held.sessionId, rotatedAt), null)
    t.same(await h.store.listSessions(held.userId, rotatedAt), [])
    t.same(await h.indexedSessionIds(held.userId), [], 'the walk dropped it from the index')
    t.same(await h.store.rotateRefreshToken(rotation(current, { now: rotatedAt })), { outcome: 'invalid' })
  },

  'an expired session stays in the index only until the index is next walked': async (t, h) => {
    const userId = randomId()
    const long = await openSession(h, { userId, idleTtlMs: 60_000 })
    const short = await openSession(h, { userId, idleTtlMs: 300 })
    await h.wait(500)
    t.equal(await h.store.findSession(userId, short.sessionId, short.record.createdAt), null)
    t.same((await h.store.listSessions(userId, h.now())).map((s) => s.id), [long.sessionId], 'only the live one is listed')
    t.same(await h.indexedSessionIds(userId), [long.sessionId], 'and indexed')
  }
}
