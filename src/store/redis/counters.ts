// Fixed-window counters (rate limits, failed logins): one key each, in a slot of its own.
import { counterKey } from '../redis-keys.js'
import type { AuthStore, CounterState } from '../types.js'
import type { RedisContext } from './context.js'

export type CounterMethods = Pick<AuthStore, 'incrementCounter' | 'readCounter' | 'releaseCounterHit' | 'deleteCounter'>

export function counterMethods ({ client, prefix, scripts, call, deadline }: RedisContext): CounterMethods {
  return {
    async incrementCounter (key, windowMs, now): Promise<CounterState> {
      const [count, resetAt] = await call(() => scripts.incrementCounter(counterKey(prefix, key), windowMs, now, deadline())) as number[]
      return { count: Number(count), resetAt: Number(resetAt) }
    },

    async readCounter (key, now): Promise<CounterState> {
      const [count, resetAt] = await call(() => scripts.readCounter(counterKey(prefix, key))) as number[]
      // An absent counter (0) resets now; so would one that somehow lost its expiry (-1).
      return { count: Number(count), resetAt: Number(resetAt) > 0 ? Number(resetAt) : now }
    },

    async releaseCounterHit (key) {
      await call(() => scripts.releaseCounterHit(counterKey(prefix, key), deadline()))
    },

    async deleteCounter (key) {
      await call(() => client.del(counterKey(prefix, key)))
    }
  }
}
