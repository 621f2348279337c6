--[[
  Seeding for capacity measurements (src/store/redis-seeding.ts), never run by the store: adds
  sessions as byte-for-byte copies of one session the store wrote, each under ids of its own with
  its own index field. It loops inside Redis, so a batch of thousands of sessions is one command
  rather than thousands. Its keys belong to many users, so it runs on standalone Redis only.

  Input:
    KEYS[2i-1] session          <p>{userId}:s:<sessionId> of the i-th copy
    KEYS[2i]   account hash     <p>{userId}:user of the i-th copy (holds its index)

    ARGV[1]    expiresAt        ms epoch, every copy's expiry
    ARGV[2]    record           DUMP of the session key copied
    ARGV[2+i]  index field      s:<sessionId> of the i-th copy (lib/session-record.lua)

  Output:
    the number of sessions written.
]]
local expiresAt, record = ARGV[1], ARGV[2]
for i = 1, #KEYS / 2 do
  redis.call('RESTORE', KEYS[2 * i - 1], expiresAt, record, 'ABSTTL')
  redis.call('HSET', KEYS[2 * i], ARGV[2 + i], '')
end
return #KEYS / 2
