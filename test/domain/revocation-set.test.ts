// The in-memory revocation set behind the bearer check: lookups by sid, entries dropped at `until`,
// bounded, and at most 200 bytes of heap per entry.
import t from 'tap'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { newId } from '../../src/domain/refresh-tokens.js'
import { createRevocationSet } from '../../src/domain/revocation-set.js'

const T0 = 1_900_000_000 // Unix seconds

t.test('a revoked sid is found until a sweep after its until drops it', async (t) => {
  const set = createRevocationSet()
  set.add('a', T0 + 10)
  set.add('b', T0 + 20)
  t.ok(set.has('a'))
  t.ok(set.has('b'))
  t.notOk(set.has('c'), 'an unknown sid is not revoked')
  t.equal(set.sweep((T0 + 9) * 1000), 0, 'nothing lapses before its until')
  t.equal(set.sweep((T0 + 10) * 1000), 1, 'a lapses at its until')
  t.notOk(set.has('a'))
  t.ok(set.has('b'))
  t.equal(set.sweep((T0 + 30) * 1000), 1)
  t.equal(set.size, 0)
})

t.test('adding a sid again keeps the later until', async (t) => {
  const set = createRevocationSet()
  set.add('a', T0 + 10)
  set.add('a', T0 + 5)
  t.equal(set.size, 1)
  t.equal(set.sweep((T0 + 6) * 1000), 0, 'the earlier until does not shorten it')
  set.add('a', T0 + 50)
  set.add('b', T0 + 20)
  t.equal(set.sweep((T0 + 30) * 1000), 0, 'an extended entry holds its place: the sweep stops at it')
  t.equal(set.sweep((T0 + 50) * 1000), 2, 'and both go once it lapses')
})

t.test('a full set drops the entry soonest to lapse and counts it', async (t) => {
  const set = createRevocationSet(3)
  for (const [i, sid] of ['a', 'b', 'c', 'd'].entries()) set.add(sid, T0 + i)
  t.equal(set.size, 3)
  t.notOk(set.has('a'), 'the oldest went')
  t.ok(set.has('d'))
  t.equal(set.overflowed, 1)
  t.throws(() => createRevocationSet(0), RangeError)
})

t.test('an entry costs at most 200 bytes of heap, sid string included', async (t) => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  // One past a power of two: the Map has just doubled its table, the most bytes per entry it has.
  const COUNT = 2 ** 17 + 1
  gc()
  const before = process.memoryUsage().heapUsed
  const set = createRevocationSet()
  // Session ids as the server makes them (22 base64url characters), kept alive by the set alone.
  for (let i = 0; i < COUNT; i++) set.add(newId(), T0 + 905)
  gc()
  const perEntry = (process.memoryUsage().heapUsed - before) / COUNT
  t.comment(`${perEntry.toFixed(1)} bytes of heap per revocation in force (${COUNT} entries)`)
  t.ok(perEntry <= 200, `${perEntry.toFixed(1)} bytes per entry`)
  t.equal(set.size, COUNT)
})
