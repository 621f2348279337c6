// The bench's verdicts rest on two rules of bench/lib/rounds.ts: every side of a comparison runs in
// the same rounds, the order reversed every other round (a drift of the machine lands on all
// sides), warm-ups marked as such; and a row's spread is how far one round's ratio strays from the
// median ratio, unknown (NaN, so the row says "noisy") with a single round.
import t from 'tap'
import { interleaveAll, ratioSpread, roundSpread, summarise, type Target } from '../../bench/lib/rounds.js'
import type { LoadResult } from '../../bench/lib/load.js'

function result (rps: number): LoadResult {
  return { rps, p50: 1, p99: 2, ok: rps, failed: 0, statusCodes: { 200: rps }, seconds: 1 }
}

t.test('sides take turns in A B C, C B A order after one warm-up each, and keep their own rounds', async (t) => {
  const calls: string[] = []
  const side = (name: string, rps: number): Target => ({
    name,
    run: async (_seconds, _onTick, warmup) => { calls.push(warmup === true ? `${name}:warm-up` : name); return result(rps) }
  })
  const [a, b, c] = await interleaveAll('test', [side('A', 10), side('B', 20), side('C', 30)], { rounds: 3, seconds: 0.01, warmup: 0.01 })
  t.same(calls, ['A:warm-up', 'B:warm-up', 'C:warm-up', 'A', 'B', 'C', 'C', 'B', 'A', 'A', 'B', 'C'])
  t.same([a?.rounds.length, b?.rounds.length, c?.rounds.length], [3, 3, 3])
  t.same([a?.rps, b?.rps, c?.rps], [10, 20, 30])
})

t.test('the spread is the largest distance of one round\'s ratio from the median ratio', async (t) => {
  const subject = summarise([result(100), result(120), result(90)])
  const baseline = summarise([result(100), result(100), result(100)])
  // Ratios 1.0, 1.2, 0.9: median 1.0, farthest 1.2.
  t.equal(Number(roundSpread(subject, baseline).toFixed(6)), 0.2)
  // A drift that moves both sides alike is no spread.
  t.equal(ratioSpread([100, 50, 200], [10, 5, 20]), 0)
})

t.test('a single round has no known spread', async (t) => {
  t.ok(Number.isNaN(roundSpread(summarise([result(100)]), summarise([result(100)]))))
})
