// Pooled CSPRNG bytes (src/runtime/random-pool.ts): no byte is handed out twice, across refills.
import t from 'tap'
import { pooledRandomBytes } from '../../src/runtime/random-pool.js'

t.test('draws never overlap, across several refills of the pool', async (t) => {
  const draws = Array.from({ length: 600 }, () => pooledRandomBytes(32))
  t.ok(draws.every((bytes) => bytes.length === 32), 'each draw has the size asked for')
  t.equal(new Set(draws.map((bytes) => bytes.toString('hex'))).size, draws.length, '600 draws of 32 bytes (4.7 pools), all distinct')
  const first = Buffer.from(draws[0] as Buffer)
  pooledRandomBytes(4096)
  t.same(draws[0], first, 'a refill leaves bytes already handed out as they were')
})

t.test('sizes outside 1 to 4096 bytes are refused', async (t) => {
  for (const size of [0, -1, 1.5, 4097]) t.throws(() => pooledRandomBytes(size), RangeError, String(size))
})
