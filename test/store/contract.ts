// THE store contract (the AuthStore interface, src/store/types.ts): every AuthStore must pass it.
// A store's test file calls storeContract with a factory giving each subtest a fresh harness
// (its own clock for the memory store; a connection to the test's own redis-server for Redis).
// Store-specific checks (Redis TTLs on every key, keyspace scans, round trips) stay in those files.
import type { Test } from 'tap'
import { accountCases } from '../helpers/store-contract/accounts.js'
import { counterCases } from '../helpers/store-contract/counters.js'
import { evictionCases } from '../helpers/store-contract/eviction.js'
import { expiryCases } from '../helpers/store-contract/expiry.js'
import type { ContractCase, StoreFactory } from '../helpers/store-contract/harness.js'
import { revocationCases } from '../helpers/store-contract/revocations.js'
import { rotationCases } from '../helpers/store-contract/rotation.js'
import { sessionCases } from '../helpers/store-contract/sessions.js'

export type { StoreFactory, StoreHarness } from '../helpers/store-contract/harness.js'

export const contractSections: Record<string, Record<string, ContractCase>> = {
  accounts: accountCases,
  sessions: sessionCases,
  eviction: evictionCases,
  rotation: rotationCases,
  expiry: expiryCases,
  counters: counterCases,
  revocations: revocationCases
}

/** Runs every contract case as a subtest of `name`, each against a fresh harness from `factory`. */
export function storeContract (t: Test, name: string, factory: StoreFactory): void {
  void t.test(`${name} store contract`, async (t) => {
    for (const [section, cases] of Object.entries(contractSections)) {
      await t.test(section, async (t) => {
        for (const [caseName, run] of Object.entries(cases)) {
          await t.test(caseName, async (t) => {
            const harness = await factory(t)
            t.teardown(async () => { await harness.teardown() })
            await run(t, harness)
          })
        }
      })
    }
  })
}
