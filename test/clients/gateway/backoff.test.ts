// Reconnection delays double from the first up to the ceiling, each somewhere in its upper half.
import t from 'tap'
import { backoffDelay } from '../../../clients/gateway/backoff.js'

const options = { initialMs: 500, maxMs: 30_000 }

t.test('the delay doubles per attempt up to the ceiling', async (t) => {
  const highest = [0, 1, 2, 3, 4, 5, 6, 7, 100, 5000].map((attempt) => backoffDelay(attempt, { ...options, random: () => 0.999999 }))
  t.same(highest, [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000])
  const lowest = [0, 1, 6, 5000].map((attempt) => backoffDelay(attempt, { ...options, random: () => 0 }))
  t.same(lowest, [250, 500, 15_000, 15_000], 'never less than half, so no retry comes at once')
})

t.test('jitter spreads a fleet of gateways over the upper half', async (t) => {
  const delays = Array.from({ length: 1000 }, () => backoffDelay(3, options))
  t.ok(delays.every((delay) => delay >= 2000 && delay <= 4000))
  t.ok(new Set(delays).size > 100, 'not in lockstep')
})
