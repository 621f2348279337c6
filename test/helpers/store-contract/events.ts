// Contract: every session end is published once as {userId, sessionId, reason}, to listeners of
// this and (on Redis) every other instance; ends that did not happen publish nothing; a listener
// that throws is reported as a process warning and changes nothing for the call or other listeners.
import { setTimeout as sleep } from 'node:timers/promises'
import type { SessionEndedEvent } from '../../../src/store/types.js'
import type { ContractCase } from './harness.js'
import { EventLog, GRACE_MS, byId, fakeHash, newUser, openSession, randomId, rotate, rotation } from './harness.js'

const sorted = (events: SessionEndedEvent[]): SessionEndedEvent[] =>
  [...events].sort((a, b) => byId({ id: a.sessionId }, { id: b.sessionId }))

export const eventCases: Record<string, ContractCase> = {
  'endSession publishes one event with the reason it was given': async (t, h) => {
    const log = await EventLog.start(h)
    t.teardown(log.unsubscribe)
    const userId = randomId()
    const out = await openSession(h, { userId })
    const revoked = await openSession(h, { userId })
    await h.store.endSession(userId, out.sessionId, 'logout', h.now())
    await h.store.endSession(userId, revoked.sessionId, 'revoked', h.now())
    await log.marker(userId)
    t.same(log.forUser(userId), [
      { userId, sessionId: out.sessionId, reason: 'logout' },
      { userId, sessionId: revoked.sessionId, reason: 'revoked' }
    ])
  },

  'endAllSessions publishes logout-all for each session it ended': async (t, h) => {
    const log = await EventLog.start(h)
    t.teardown(log.unsubscribe)
    const userId = randomId()
    const sessions = [await openSession(h, { userId }), await openSession(h, { userId })]
    await h.store.endAllSessions(userId, h.now())
    await log.marker(userId)
    t.same(sorted(log.forUser(userId)), sorted(sessions.map((s) => ({ userId, sessionId: s.sessionId, reason: 'logout-all' }))))
  },

  'reuse publishes reuse': async (t, h) => {
    const log = await EventLog.start(h)
    t.teardown(log.unsubscribe)
    const held = await openSession(h)
    const now = h.now()
    await rotate(t, h, held, { now })
    await h.store.rotateRefreshToken(rotation(held, { now: now + GRACE_MS + 1 }))
    await log.marker(held.userId)
    t.same(log.forUser(held.userId), [{ userId: held.userId, sessionId: held.sessionId, reason: 'reuse' }])
  },

  'changePassword publishes password-change for each session it ended, not the kept one': async (t, h) => {
    const log = await EventLog.start(h)
    t.teardown(log.unsubscribe)
    const user = newUser()
    await h.store.createUser(user)
    const kept = await openSession(h, { userId: user.id })
    const ended = [await openSession(h, { userId: user.id }), await openSession(h, { userId: user.id })]
    await h.store.changePassword({ userId: user.id, previousPasswordHash: user.passwordHash, passwordHash: fakeHash(), keepSessionId: kept.sessionId, now: h.now() })
    await log.marker(user.id)
    t.same(sorted(log.forUser(user.id)), sorted(ended.map((s) => ({ userId: user.id, sessionId: s.sessionId, reason: 'password-change' }))))
  },

  'nothing is published when no session ends': async (t, h) => {
    const log = await EventLog.start(h)
    t.teardown(log.unsubscribe)
    const user = newUser()
    await h.store.createUser(user)
    const held = await openSession(h, { userId: user.id })
    const now = h.now()
    const current = await rotate(t, h, held, { now })
    await h.store.rotateRefreshToken(rotation(held, { now }))
    await h.store.rotateRefreshToken(rotation({ ...current, hash: fakeHash() }, { now }))
    await h.store.endSession(user.id, randomId(), 'logout', now)
    await h.store.endSession(randomId(), held.sessionId, 'logout', now)
    await h.store.changePassword({ userId: user.id, previousPasswordHash: fakeHash(), passwordHash: fakeHash(), keepSessionId: null, now })
    await h.store.endAllSessions(randomId(), now)
    const expired = await openSession(h, { userId: user.id, now, idleTtlMs: 1000 })
    await h.store.endSession(user.id, expired.sessionId, 'logout', now + 1000)
    await log.marker(user.id)
    t.same(log.forUser(user.id), [])
  },

  'an unsubscribed listener hears nothing more': async (t, h) => {
    const stays = await EventLog.start(h)
    t.teardown(stays.unsubscribe)
    const leaves = await EventLog.start(h)
    leaves.unsubscribe()
    const held = await openSession(h)
    await h.store.endSession(held.userId, held.sessionId, 'logout', h.now())
    await stays.waitFor((e) => e.sessionId === held.sessionId)
    await stays.marker(held.userId)
    t.same(leaves.forUser(held.userId), [])
    t.equal(stays.forUser(held.userId).length, 1)
  },

  'a throwing listener neither fails the operation nor silences the others': async (t, h) => {
    const warnings: string[] = []
    const onWarning = (warning: Error): void => { warnings.push(warning.message) }
    process.on('warning', onWarning)
    t.teardown(() => { process.off('warning', onWarning) })
    t.teardown(h.store.onSessionEnded((event) => { throw new Error(`listener bug ${event.sessionId}`) }))
    const log = await EventLog.start(h)
    t.teardown(log.unsubscribe)
    const userId = randomId()
    const sessions = [await openSession(h, { userId }), await openSession(h, { userId })]
    for (const { sessionId } of sessions) t.equal(await h.store.endSession(userId, sessionId, 'logout', h.now()), true, 'the session ended')
    await log.marker(userId)
    t.same(log.forUser(userId), sessions.map(({ sessionId }) => ({ userId, sessionId, reason: 'logout' })), 'the other listener heard every end')
    // process.emitWarning delivers on a later tick.
    const warned = (sessionId: string): boolean => warnings.some((message) => message.includes(`listener bug ${sessionId}`))
    const deadline = Date.now() + 3000
    while (!sessions.every(({ sessionId }) => warned(sessionId)) && Date.now() < deadline) await sleep(5)
    for (const { sessionId } of sessions) t.ok(warned(sessionId), 'the throw is reported as a process warning')
  }
}
