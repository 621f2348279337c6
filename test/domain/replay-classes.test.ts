// The replay classes (src/domain/replay-classes.ts, docs/audit-events.md) at their boundaries.
import t from 'tap'
import { classifyGraceReplay, RACE_WINDOW_MS } from '../../src/domain/replay-classes.js'

const rotation = { rotatedAt: 1_000_000, ip: '198.51.100.10', userAgent: 'RotorPhone/1.0' }

t.test('the client that rotated: a race up to 1 s after the rotation, a lost answer later', async (t) => {
  t.equal(RACE_WINDOW_MS, 1000)
  t.equal(classifyGraceReplay(rotation, { ...rotation, at: rotation.rotatedAt }), 'race', 'at once')
  t.equal(classifyGraceReplay(rotation, { ...rotation, at: rotation.rotatedAt + 1000 }), 'race', 'at 1 s')
  t.equal(classifyGraceReplay(rotation, { ...rotation, at: rotation.rotatedAt + 1001 }), 'lost_answer', 'just after 1 s')
  t.equal(classifyGraceReplay(rotation, { ...rotation, at: rotation.rotatedAt + 9000 }), 'lost_answer')
})

t.test('one of IP and user agent kept is the same client; both changed is theft, however soon', async (t) => {
  const at = rotation.rotatedAt + 5000
  t.equal(classifyGraceReplay(rotation, { at, ip: '203.0.113.1', userAgent: rotation.userAgent }), 'lost_answer', 'new network, same app')
  t.equal(classifyGraceReplay(rotation, { at, ip: rotation.ip, userAgent: 'RotorPhone/1.1' }), 'lost_answer', 'updated app, same network')
  t.equal(classifyGraceReplay(rotation, { at, ip: '203.0.113.1', userAgent: 'curl/8.0' }), 'theft')
  t.equal(classifyGraceReplay(rotation, { at: rotation.rotatedAt + 10, ip: '203.0.113.1', userAgent: 'curl/8.0' }), 'theft', 'within the race window too')
})
