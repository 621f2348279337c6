// The embedded store against the store contract (with an injected clock, so TTL time passes
// instantly), plus what only it has: size bounds and its sweep.
import t from 'tap'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { storeContract } from './contract.js'

storeContract(t, 'memory', async () => {
  let time = Date.now()
  const store = createMemoryStore({ clock: () => time })
  return {
    store,
    now: () => time,
    wait: async (ms) => { time += ms },
    indexedSessionIds: async (userId) => store.indexedSessionIds(userId),
    teardown: async () => { await store.close() }
  }
})
