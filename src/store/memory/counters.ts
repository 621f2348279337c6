// Fixed-window counters of the embedded store: a window starts at the first hit and the counter
// disappears when it ends, as the Redis counter key expires.
import type { CounterState } from '../types.js'
import { ExpiringMap } from './expiring-map.js'

interface StoredCounter {
  count: number
  resetAt: number
  expireAt: number
}

export class CounterTable {
  private readonly counters: ExpiringMap<StoredCounter>

  /** When `maxCounters` are held, a new counter evicts the one closest to its reset. */
  constructor (private readonly clock: () => number, private readonly maxCounters: number) {
    this.counters = new ExpiringMap(clock, (c) => c.expireAt)
  }

  get size (): number { return this.counters.size }

  increment (key: string, windowMs: number, now: number): CounterState {
    let counter = this.counters.get(key)
    if (counter === undefined) {
      this.counters.makeRoom(this.maxCounters, (evicted) => { this.counters.delete(evicted) })
      counter = { count: 0, resetAt: now + windowMs, expireAt: this.clock() + windowMs }
      this.counters.set(key, counter)
    }
    counter.count += 1
    return { count: counter.count, resetAt: counter.resetAt }
  }

  read (key: string, now: number): CounterState {
    const counter = this.counters.get(key)
    if (counter === undefined) return { count: 0, resetAt: now }
    return { count: counter.count, resetAt: counter.resetAt }
  }

  releaseHit (key: string): void {
    const counter = this.counters.get(key)
    if (counter === undefined) return
    counter.count -= 1
    if (counter.count <= 0) this.counters.delete(key)
  }

  delete (key: string): void {
    this.counters.delete(key)
  }

  sweep (): void {
    this.counters.sweep()
  }
}
