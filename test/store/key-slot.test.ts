// Redis Cluster's key -> slot function, as the Cluster store computes it to put a user's revocations
// in an outbox of the user's own slot: the values the Redis Cluster specification gives, and its
// hash-tag rules. test/cluster/cross-slot.test.ts checks it against a real cluster's CLUSTER KEYSLOT.
import t from 'tap'
import { SLOT_COUNT, keySlot, slotTag } from '../../src/store/redis/key-slot.js'

t.test('CRC16-XMODEM of the key, modulo 16384', async (t) => {
  t.equal(keySlot('123456789'), 0x31c3 % SLOT_COUNT, 'the specification\'s check value 0x31C3')
  t.equal(keySlot('foo'), 12182)
  t.equal(keySlot('{user1000}.following'), 3443)
})

t.test('a hash tag: the first {…} that is not empty', async (t) => {
  t.equal(keySlot('{user1000}.following'), keySlot('{user1000}.followers'))
  t.equal(keySlot('foo{bar}{zap}'), keySlot('bar'), 'only the first {')
  t.not(keySlot('foo{}{bar}'), keySlot('bar'), 'an empty tag: the whole key is hashed')
  t.equal(keySlot('foo{{bar}}zap'), keySlot('{bar'), 'the tag is what lies between the first { and the next }')
  t.equal(keySlot('auth:{é}:user'), keySlot('é'), 'bytes, not characters')
})

t.test('slotTag(s) puts a key in slot s, for every slot, the same way every time', async (t) => {
  const wrong: number[] = []
  for (let slot = 0; slot < SLOT_COUNT; slot++) if (keySlot(`auth:{${slotTag(slot)}}:outbox`) !== slot) wrong.push(slot)
  t.same(wrong, [])
  t.equal(slotTag(0), '1bz', 'tags are fixed: keys named with them outlive the process')
  t.throws(() => slotTag(SLOT_COUNT), RangeError)
})
