// Memory per revocation in force in a gateway (issue's ceiling: 200 bytes): revocations parsed
// from feed events the way the feed client parses them, held in the set, heap measured after a
// full garbage collection.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { RevocationSet } from '../../../clients/gateway/revocation-set.js'
import { parseRevocation } from '../../../clients/gateway/types.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const COUNT = 200_000
const nowSeconds = Math.floor(Date.now() / 1000)

function heapAfterGc (): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** Event data as Rotor sends it: session and user ids of 16 random bytes in base64url. */
function eventData (i: number): string {
  return JSON.stringify({
    id: `${nowSeconds}000-${i}`,
    sid: randomBytes(16).toString('base64url'),
    sub: randomBytes(16).toString('base64url'),
    reason: 'logout',
    at: nowSeconds,
    until: nowSeconds + 905
  })
}

const set = new RevocationSet({ now: Date.now })
const before = heapAfterGc()
for (let i = 0; i < COUNT; i++) {
  const revocation = parseRevocation(eventData(i))
  if (revocation !== null) set.add(revocation.sid, revocation.until)
}
const after = heapAfterGc()
const perRevocation = (after - before) / COUNT
t.equal(set.size, COUNT)
t.comment(`${perRevocation.toFixed(1)} bytes of heap per revocation in force (${COUNT} held)`)
t.ok(perRevocation <= 200, `at most 200 bytes per revocation (measured ${perRevocation.toFixed(1)})`)
