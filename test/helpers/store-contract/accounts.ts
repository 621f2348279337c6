// Contract: accounts (createUser, find by name and id, changePassword's compare-and-set).
import type { ContractCase } from './harness.js'
import { fakeHash, newUser, openSession, randomId } from './harness.js'

async function concurrentCreateUser (t: Parameters<ContractCase>[0], h: Parameters<ContractCase>[1], n: number): Promise<void> {
  const username = `race-${randomId().toLowerCase()}`
  const contenders = Array.from({ length: n }, () => newUser({ username }))
  const outcomes = await Promise.all(contenders.map(async (user) => await h.store.createUser(user)))
  t.equal(outcomes.filter((o) => o === 'created').length, 1, 'exactly one created')
  t.equal(outcomes.filter((o) => o === 'taken').length, n - 1, 'the rest taken')
  const winner = contenders[outcomes.indexOf('created')]
  t.same(await h.store.findUserByUsername(username), winner, 'the name leads to the winner')
  for (const [i, user] of contenders.entries()) {
    if (outcomes[i] === 'taken') t.equal(await h.store.findUserById(user.id), null, 'a loser left no account')
  }
}

export const accountCases: Record<string, ContractCase> = {
  'createUser registers a free username, found by name and by id as copies': async (t, h) => {
    const user = newUser()
    t.equal(await h.store.createUser(user), 'created')
    t.same(await h.store.findUserByUsername(user.username), user)
    const found = await h.store.findUserById(user.id)
    t.same(found, user)
    if (found !== null) found.passwordHash = 'mutated'
    user.passwordHash = 'mutated too'
    t.not((await h.store.findUserById(user.id))?.passwordHash, 'mutated', 'a returned record is a copy')
    t.not((await h.store.findUserById(user.id))?.passwordHash, 'mutated too', 'the stored record is a copy')
  },

  'createUser answers taken for a used username and keeps the first account': async (t, h) => {
    const first = newUser()
    const second = newUser({ username: first.username })
    t.equal(await h.store.createUser(first), 'created')
    t.equal(await h.store.createUser(second), 'taken')
    t.same(await h.store.findUserByUsername(first.username), first)
    t.equal(await h.store.findUserById(second.id), null)
  },

  'find returns null for an unknown username or id': async (t, h) => {
    t.equal(await h.store.findUserByUsername(`nobody-${randomId().toLowerCase()}`), null)
    t.equal(await h.store.findUserById(randomId()), null)
  },

  '2 concurrent createUser with one username: exactly one created': async (t, h) => {
    await concurrentCreateUser(t, h, 2)
  },

  '20 concurrent createUser with one username: exactly one created': async (t, h) => {
    await concurrentCreateUser(t, h, 20)
  },

  'changePassword is a compare-and-set: -1 and no change for a stale hash or an unknown user': async (t, h) => {
    const user = newUser()
    await h.store.createUser(user)
    const held = await openSession(h, { userId: user.id })
    const now = h.now()
    t.equal(await h.store.changePassword({ userId: user.id, previousPasswordHash: fakeHash(), passwordHash: fakeHash(), keepSessionId: null, now }), -1)
    t.equal((await h.store.findUserById(user.id))?.passwordHash, user.passwordHash, 'hash unchanged')
    t.ok(await h.store.findSession(user.id, held.sessionId, now), 'sessions untouched')
    t.equal(await h.store.changePassword({ userId: randomId(), previousPasswordHash: user.passwordHash, passwordHash: fakeHash(), keepSessionId: null, now }), -1)
  },

  'changePassword replaces the hash, ends every other session and keeps one': async (t, h) => {
    const user = newUser()
    await h.store.createUser(user)
    const kept = await openSession(h, { userId: user.id })
    const others = [await openSession(h, { userId: user.id }), await openSession(h, { userId: user.id })]
    const bystander = await openSession(h)
    const now = h.now()
    const passwordHash = fakeHash()
    t.equal(await h.store.changePassword({ userId: user.id, previousPasswordHash: user.passwordHash, passwordHash, keepSessionId: kept.sessionId, now }), 2)
    t.equal((await h.store.findUserById(user.id))?.passwordHash, passwordHash)
    t.equal((await h.store.findUserByUsername(user.username))?.passwordHash, passwordHash)
    t.same((await h.store.listSessions(user.id, now)).map((s) => s.id), [kept.sessionId])
    for (const other of others) t.equal(await h.store.findSession(user.id, other.sessionId, now), null)
    t.ok(await h.store.findSession(bystander.userId, bystander.sessionId, now), 'another user is untouched')
    t.equal(await h.store.changePassword({ userId: user.id, previousPasswordHash: passwordHash, passwordHash: fakeHash(), keepSessionId: null, now }), 1, 'null keeps none')
    t.same(await h.store.listSessions(user.id, now), [])
  },

  'concurrent changePassword from one previous hash: exactly one wins': async (t, h) => {
    const user = newUser()
    await h.store.createUser(user)
    await openSession(h, { userId: user.id })
    const hashes = Array.from({ length: 10 }, () => fakeHash())
    const results = await Promise.all(hashes.map(async (passwordHash) => await h.store.changePassword({
      userId: user.id, previousPasswordHash: user.passwordHash, passwordHash, keepSessionId: null, now: h.now()
    })))
    t.same(results.filter((r) => r !== -1), [1], 'one winner, which ended the one session')
    t.equal((await h.store.findUserById(user.id))?.passwordHash, hashes[results.findIndex((r) => r !== -1)])
  }
}
