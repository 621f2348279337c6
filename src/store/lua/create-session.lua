--[[
  Creates a session holding the hash of its first refresh token (generation 1), adds it to the
  user's index, and now and then drops index fields of sessions that have ended
  (lib/session-record.lua): when the account hash holds a power of two fields (4, 8, 16, ...). A
  walk reads every index field, so walking on every login would make a user with thousands of live
  sessions pay thousands of reads per login. While no session ends, a walk of n fields comes once
  per n/2 logins; at worst (sessions ending exactly as fast as new ones start, right at a power of
  two) every login walks. The hash's size is all the state this needs: the account hash is a
  hashtable (its password hash is longer than a listpack value), where a field recording when to
  walk next would add to the memory of every account.

  Input:
    KEYS[1] session             <p>{userId}:s:<sessionId>
    KEYS[2] account hash        <p>{userId}:user (holds the index)
    KEYS[3] session key prefix  <p>{userId}:s: (same hash tag, so same slot as every session key)

    ARGV[1] sessionId
    ARGV[2] tokenHash      16 bytes: hash of the generation-1 refresh token
    ARGV[3] now            ms epoch, the caller's clock
    ARGV[4] idleTtlMs
    ARGV[5] maxTtlMs
    ARGV[6] ip
    ARGV[7] userAgent
    ARGV[8] deadlineMs     Redis-clock ms epoch after which the script must change nothing

  Output:
    expiresAt (integer), or the error reply "ROTOR_STALE ..." when run after the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[8]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local sessionKey, accountKey, sessionKeyPrefix = KEYS[1], KEYS[2], KEYS[3]
local now = tonumber(ARGV[3])
local maxExpiresAt = now + tonumber(ARGV[5])
local expiresAt = math.min(now + tonumber(ARGV[4]), maxExpiresAt)

local fields = redis.call('HLEN', accountKey)
local powerOfTwo = 4
while powerOfTwo < fields do powerOfTwo = powerOfTwo * 2 end
if fields == powerOfTwo then liveIndexedSessionIds(accountKey, sessionKeyPrefix, now) end

redis.call('SET', sessionKey, encodeSession({
  generation = 1, createdAt = now, lastUsedAt = now, maxExpiresAt = maxExpiresAt,
  hash = ARGV[2], previousHash = NO_HASH, box = NO_BOX, ip = ARGV[6], userAgent = ARGV[7]
}), 'PXAT', expiresAt)
redis.call('HSET', accountKey, indexField(ARGV[1]), '')
return expiresAt
