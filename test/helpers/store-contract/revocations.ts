// Contract: the revocation feed (docs/http-api.md, "Revocation feed"). Every session end of the
// listed reasons is in the feed when its call resolves, once, with its reason; ends that did not
// happen, and idle or absolute expiry, revoke nothing; an entry stays while in force and leaves
// after; cursors page in feed order and reset when older than everything kept; a wait wakes when a
// revocation comes and answers an empty page when none does. Each subtest has a feed of its own.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import type { Revocation, RevocationReason } from '../../../src/store/types.js'
import type { ContractCase, HeldSession, StoreHarness } from './harness.js'
import { GRACE_MS, fakeHash, newUser, openSession, randomId, rotate, rotation } from './harness.js'

const HOUR_MS = 3_600_000

/** Every revocation in force after `after`, read page by page (small pages, so paging is exercised). */
export async function feedAfter (h: StoreHarness, after: string | null, now = h.now()): Promise<Revocation[]> {
  const all: Revocation[] = []
  let cursor = after
  for (;;) {
    const page = await h.store.readRevocations(cursor, now, 3)
    if (page.reset && cursor !== null) throw new Error(`unexpected reset after ${cursor}`)
    all.push(...page.revocations)
    if (page.revocations.length === 0 && page.cursor === cursor) return all
    cursor = page.cursor
  }
}

export async function feedEnd (h: StoreHarness): Promise<string> {
  let cursor = (await h.store.readRevocations(null, h.now())).cursor
  for (;;) {
    const page = await h.store.readRevocations(cursor, h.now())
    if (page.cursor === cursor) return cursor
    cursor = page.cursor
  }
}

/** What the feed must say about a session ended at `now` for `reason` (its id aside). */
export function expected (h: StoreHarness, userId: string, sessionId: string, reason: RevocationReason, now: number): Omit<Revocation, 'id'> {
  const at = Math.floor(now / 1000)
  return { sid: sessionId, sub: userId, reason, at, until: at + h.accessTokenTtl + 5 }
}

export const withoutId = ({ id: _id, ...rest }: Revocation): Omit<Revocation, 'id'> => rest
const bySid = (a: { sid: string }, b: { sid: string }): number => (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0)

function assertIncreasing (t: Test, revocations: Revocation[]): void {
  const ids = revocations.map((revocation) => revocation.id)
  t.ok(ids.every((id, i) => i === 0 || (ids[i - 1] as string) < id), 'ids grow in feed order, compared as strings')
}

export const revocationCases: Record<string, ContractCase> = {
  'endSession revokes the session with the reason it was given': async (t, h) => {
    const start = await feedEnd(h)
    const userId = randomId()
    const now = h.now()
    const reasons = ['logout', 'revoked', 'evicted'] as const
    const held: HeldSession[] = []
    for (const reason of reasons) {
      const session = await openSession(h, { userId })
      t.equal(await h.store.endSession(userId, session.sessionId, reason, now), true)
      held.push(session)
    }
    const feed = await feedAfter(h, start)
    t.same(feed.map(withoutId), reasons.map((reason, i) => expected(h, userId, (held[i] as HeldSession).sessionId, reason, now)))
    assertIncreasing(t, feed)
  },

  'endAllSessions revokes each of N sessions once (logout-all), no other user': async (t, h) => {
    const start = await feedEnd(h)
    const userId = randomId()
    const sessions = []
    for (let i = 0; i < 7; i++) sessions.push(await openSession(h, { userId }))
    const bystander = await openSession(h)
    const now = h.now()
    t.equal(await h.store.endAllSessions(userId, now), 7)
    t.equal(await h.store.endAllSessions(userId, now), 0, 'a second logout-all ends nothing')
    const feed = await feedAfter(h, start)
    t.same(feed.map(withoutId).sort(bySid), sessions.map((s) => expected(h, userId, s.sessionId, 'logout-all', now)).sort(bySid))
    t.notOk(feed.some((revocation) => revocation.sub === bystander.userId), 'another user is not revoked')
  },

  'reuse revokes the session once (reuse)': async (t, h) => {
    const start = await feedEnd(h)
    const held = await openSession(h)
    const now = h.now()
    await rotate(t, h, held, { now })
    const later = now + GRACE_MS + 1
    t.equal((await h.store.rotateRefreshToken(rotation(held, { now: later }))).outcome, 'reused')
    t.equal((await h.store.rotateRefreshToken(rotation(held, { now: later }))).outcome, 'invalid', 'the session is gone')
    t.same((await feedAfter(h, start)).map(withoutId), [expected(h, held.userId, held.sessionId, 'reuse', later)])
  },

  'changePassword revokes every other session (password-change), not the kept one': async (t, h) => {
    const start = await feedEnd(h)
    const user = newUser()
    await h.store.createUser(user)
    const kept = await openSession(h, { userId: user.id })
    const ended = [await openSession(h, { userId: user.id }), await openSession(h, { userId: user.id })]
    const now = h.now()
    t.equal(await h.store.changePassword({ userId: user.id, previousPasswordHash: user.passwordHash, passwordHash: fakeHash(), keepSessionId: kept.sessionId, now }), 2)
    const feed = await feedAfter(h, start)
    t.same(feed.map(withoutId).sort(bySid), ended.map((s) => expected(h, user.id, s.sessionId, 'password-change', now)).sort(bySid))
  },

  'nothing is revoked when no session ends, nor by idle or absolute expiry': async (t, h) => {
    const start = await feedEnd(h)
    const user = newUser()
    await h.store.createUser(user)
    const held = await openSession(h, { userId: user.id })
    const now = h.now()
    const current = await rotate(t, h, held, { now })
    await h.store.rotateRefreshToken(rotation(held, { now }))
    await h.store.rotateRefreshToken(rotation({ ...current, hash: fakeHash() }, { now }))
    t.equal(await h.store.endSession(user.id, randomId(), 'logout', now), false)
    t.equal(await h.store.endSession(randomId(), held.sessionId, 'logout', now), false)
    t.equal(await h.store.changePassword({ userId: user.id, previousPasswordHash: fakeHash(), passwordHash: fakeHash(), keepSessionId: null, now }), -1)
    t.equal(await h.store.endAllSessions(randomId(), now), 0)
    const idled = await openSession(h, { userId: user.id, now, idleTtlMs: 1000 })
    const capped = await openSession(h, { userId: user.id, now, idleTtlMs: 60_000, maxTtlMs: 2000 })
    t.same(await h.store.rotateRefreshToken(rotation(idled, { now: now + 1000 })), { outcome: 'invalid' }, 'idle expiry')
    t.equal(await h.store.endSession(user.id, idled.sessionId, 'logout', now + 1000), false)
    t.same(await h.store.rotateRefreshToken(rotation(capped, { now: now + 2000 })), { outcome: 'invalid' }, 'absolute expiry')
    t.equal(await h.store.endAllSessions(user.id, now + 2000), 1, 'only the live session ends')
    const feed = await feedAfter(h, start, now)
    t.same(feed.map((revocation) => revocation.sid), [current.sessionId], 'the one live session, nothing for the expired ones')
  },

  'a revocation is in force until at + ACCESS_TOKEN_TTL + 5 s, then leaves the feed': async (t, h) => {
    const start = await feedEnd(h)
    const held = await openSession(h)
    const now = h.now()
    await h.store.endSession(held.userId, held.sessionId, 'logout', now)
    const { until } = expected(h, held.userId, held.sessionId, 'logout', now)
    t.same((await feedAfter(h, start, until * 1000 - 1)).map((revocation) => revocation.sid), [held.sessionId], 'in force a moment before')
    t.same(await feedAfter(h, start, until * 1000), [], 'gone at until')
    t.same((await h.store.readRevocations(null, until * 1000)).revocations, [], 'also for a reader starting afresh')
  },

  'a cursor older than everything kept gets reset and every revocation in force': async (t, h) => {
    const start = await feedEnd(h)
    // A session ended hours ago (by its caller's clock): out of force, so dropped from the feed at once.
    const then = h.now() - 4 * HOUR_MS
    const old = await openSession(h, { now: then, idleTtlMs: 5 * HOUR_MS, maxTtlMs: 5 * HOUR_MS })
    t.equal(await h.store.endSession(old.userId, old.sessionId, 'logout', then), true)
    const live = await openSession(h)
    const now = h.now()
    await h.store.endSession(live.userId, live.sessionId, 'revoked', now)

    const page = await h.store.readRevocations(start, now)
    t.equal(page.reset, true, 'the cursor predates a revocation the feed dropped')
    t.same(page.revocations.map(withoutId), [expected(h, live.userId, live.sessionId, 'revoked', now)], 'and gets all in force')
    const next = await h.store.readRevocations(page.cursor, now)
    t.same(next, { revocations: [], cursor: page.cursor, reset: false }, 'reading on from the reset page is no reset')
    t.same((await h.store.readRevocations(null, now)).reset, false, 'a reader starting afresh has nothing to reset')
    for (const cursor of ['not-a-cursor', '', '9999999999999-0000000000', '1-2-3']) {
      const odd = await h.store.readRevocations(cursor, now)
      t.equal(odd.reset, true, `cursor ${JSON.stringify(cursor)}: reset`)
      t.same(odd.revocations.map((revocation) => revocation.sid), [live.sessionId])
    }
  },

  'cursors page through the feed in order, and stay put at its end': async (t, h) => {
    const start = await feedEnd(h)
    const userId = randomId()
    const ended: string[] = []
    for (let i = 0; i < 5; i++) {
      const held = await openSession(h, { userId })
      await h.store.endSession(userId, held.sessionId, 'logout', h.now())
      ended.push(held.sessionId)
    }
    const now = h.now()
    const pages = []
    let cursor = start
    for (let i = 0; i < 4; i++) {
      const page = await h.store.readRevocations(cursor, now, 2)
      t.equal(page.reset, false)
      pages.push(page.revocations.map((revocation) => revocation.sid))
      cursor = page.cursor
    }
    t.same(pages, [ended.slice(0, 2), ended.slice(2, 4), ended.slice(4), []])
    t.same(await h.store.readRevocations(cursor, now), { revocations: [], cursor, reset: false }, 'the end of the feed keeps its cursor')
    assertIncreasing(t, await feedAfter(h, start))
  },

  'waitForRevocations answers at once with what is there, and wakes when a revocation comes': async (t, h) => {
    const start = await feedEnd(h)
    const first = await openSession(h)
    await h.store.endSession(first.userId, first.sessionId, 'logout', h.now())
    const present = await h.store.waitForRevocations(start, 10_000, h.now())
    t.same(present.revocations.map((revocation) => revocation.sid), [first.sessionId], 'what is there already')

    const second = await openSession(h)
    const began = Date.now()
    const waiting = h.store.waitForRevocations(present.cursor, 10_000, h.now())
    await sleep(100)
    await h.store.endSession(second.userId, second.sessionId, 'revoked', h.now())
    const woken = await waiting
    t.same(woken.revocations.map(withoutId), [expected(h, second.userId, second.sessionId, 'revoked', h.now())])
    t.ok(Date.now() - began < 10_000, 'woken by the revocation, not by the timeout')
    t.same(await h.store.readRevocations(woken.cursor, h.now()), { revocations: [], cursor: woken.cursor, reset: false })
  },

  'waitForRevocations answers an empty page with the same cursor when nothing comes': async (t, h) => {
    const start = await feedEnd(h)
    const page = await h.store.waitForRevocations(start, 300, h.now())
    t.same(page, { revocations: [], cursor: start, reset: false })
  }
}
