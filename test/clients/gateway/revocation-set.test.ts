// The in-memory set answers "revoked" exactly while a revocation is in force, frees expired entries,
// and stays within its ceiling.
import t from 'tap'
import { RevocationSet } from '../../../clients/gateway/revocation-set.js'

function clock (startSeconds: number): { now: () => number, set (seconds: number): void } {
  let ms = startSeconds * 1000
  return { now: () => ms, set: (seconds) => { ms = seconds * 1000 } }
}

t.test('an entry is in force until `until`, then gone whether or not a sweep ran', async (t) => {
  const time = clock(1000)
  const set = new RevocationSet({ now: time.now })
  set.add('s1', 1010)
  set.add('s2', 1020)
  set.add('past', 1000)
  t.ok(set.has('s1'))
  t.notOk(set.has('past'), 'an entry already past until is not kept')
  t.equal(set.size, 2)
  time.set(1009.999)
  t.ok(set.has('s1'))
  time.set(1010)
  t.notOk(set.has('s1'), 'not in force at until')
  t.equal(set.size, 2, 'held until a sweep')
  t.equal(set.sweep(), 1)
  t.equal(set.size, 1)
  t.ok(set.has('s2'))
})

t.test('the same session revoked twice keeps the later until', async (t) => {
  const time = clock(0)
  const set = new RevocationSet({ now: time.now })
  set.add('s', 20)
  set.add('s', 10)
  time.set(15)
  t.ok(set.has('s'))
  set.add('s', 30)
  time.set(25)
  t.ok(set.has('s'))
  t.equal(set.size, 1)
})

t.test('a full set frees expired entries first, then drops the oldest added and says so', async (t) => {
  const time = clock(0)
  const dropped: string[] = []
  const set = new RevocationSet({ now: time.now, maxEntries: 3, onOverflow: (sid) => { dropped.push(sid) } })
  set.add('a', 5)
  set.add('b', 100)
  set.add('c', 100)
  time.set(10)
  set.add('d', 100)
  t.same(dropped, [], 'the expired entry made room')
  t.equal(set.size, 3)
  time.set(10.5)
  set.add('e', 100)
  t.same(dropped, ['b'])
  t.notOk(set.has('b'))
  t.ok(set.has('c') && set.has('d') && set.has('e'))
  t.throws(() => new RevocationSet({ now: time.now, maxEntries: 0 }), RangeError)
})
