// Contract: fixed-window counters (rate limits, failed logins). A window starts at the first hit
// and the counter disappears when it ends (a TTL, so the test lets real time pass against Redis).
import type { Test } from 'tap'
import type { ContractCase } from './harness.js'
import { randomId } from './harness.js'

// Redis may derive resetAt from the key's remaining TTL, a few ms apart from the caller's clock.
const CLOCK_SLACK_MS = 50

function near (t: Test, actual: number, expected: number, message: string): void {
  t.ok(Math.abs(actual - expected) <= CLOCK_SLACK_MS, `${message} (${actual} vs ${expected})`)
}

export const counterCases: Record<string, ContractCase> = {
  'incrementCounter counts hits within a window that starts at the first': async (t, h) => {
    const key = `test:${randomId()}`
    const first = h.now()
    const hit = await h.store.incrementCounter(key, 60_000, first)
    t.equal(hit.count, 1)
    near(t, hit.resetAt, first + 60_000, 'the window ends windowMs after the first hit')
    await h.wait(200)
    const second = await h.store.incrementCounter(key, 60_000, h.now())
    t.equal(second.count, 2)
    near(t, second.resetAt, first + 60_000, 'a later hit does not move the window')
    t.equal((await h.store.incrementCounter(key, 60_000, h.now())).count, 3)
  },

  'readCounter reads without counting; an absent counter is 0, resetting now': async (t, h) => {
    const key = `test:${randomId()}`
    const now = h.now()
    t.same(await h.store.readCounter(key, now), { count: 0, resetAt: now })
    await h.store.incrementCounter(key, 60_000, now)
    await h.store.incrementCounter(key, 60_000, now)
    for (let i = 0; i < 2; i++) {
      const read = await h.store.readCounter(key, h.now())
      t.equal(read.count, 2)
      near(t, read.resetAt, now + 60_000, 'resetAt of the window')
    }
  },

  'deleteCounter removes a counter; deleting an absent one is fine': async (t, h) => {
    const key = `test:${randomId()}`
    const now = h.now()
    await h.store.incrementCounter(key, 60_000, now)
    await h.store.deleteCounter(key)
    t.same(await h.store.readCounter(key, now), { count: 0, resetAt: now })
    await h.store.deleteCounter(key)
    const hit = await h.store.incrementCounter(key, 60_000, now)
    t.equal(hit.count, 1, 'a new window')
    near(t, hit.resetAt, now + 60_000, 'starting now')
  },

  'releaseCounterHit takes one hit back in the same window, removes the counter at zero, creates none': async (t, h) => {
    const key = `test:${randomId()}`
    const now = h.now()
    const first = await h.store.incrementCounter(key, 60_000, now)
    await h.store.incrementCounter(key, 60_000, now)
    await h.store.releaseCounterHit(key)
    const after = await h.store.readCounter(key, now)
    t.equal(after.count, 1, 'one hit taken back')
    near(t, after.resetAt, first.resetAt, 'the window is unchanged')
    await h.store.releaseCounterHit(key)
    t.same(await h.store.readCounter(key, now), { count: 0, resetAt: now }, 'gone at zero')
    await h.store.releaseCounterHit(key)
    t.same(await h.store.readCounter(key, now), { count: 0, resetAt: now }, 'an absent counter stays absent')
    t.equal((await h.store.incrementCounter(key, 60_000, now)).count, 1, 'and counts from one again')
  },

  'a counter resets when its window ends': async (t, h) => {
    const key = `test:${randomId()}`
    await h.store.incrementCounter(key, 300, h.now())
    await h.store.incrementCounter(key, 300, h.now())
    await h.wait(500)
    const now = h.now()
    t.same(await h.store.readCounter(key, now), { count: 0, resetAt: now })
    const hit = await h.store.incrementCounter(key, 300, now)
    t.equal(hit.count, 1)
    near(t, hit.resetAt, now + 300, 'a new window')
  },

  'counters are independent per key': async (t, h) => {
    const [a, b] = [`test:${randomId()}`, `test:${randomId()}`]
    const now = h.now()
    await h.store.incrementCounter(a, 60_000, now)
    await h.store.incrementCounter(a, 60_000, now)
    t.equal((await h.store.incrementCounter(b, 60_000, now)).count, 1)
    await h.store.deleteCounter(b)
    t.equal((await h.store.readCounter(a, now)).count, 2)
  }
}
