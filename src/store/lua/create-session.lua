--[[
  Creates a session holding the hash of its first refresh token (generation 1), after pruning
  ended sessions from the user's index, and indexes it under its expiry.

  Input:
    KEYS[1] session hash   <p>{userId}:s:<sessionId>
    KEYS[2] session index  <p>{userId}:sessions (zset sessionId -> expiresAt)

    ARGV[1] sessionId
    ARGV[2] tokenHash      hash of the generation-1 refresh token
    ARGV[3] now            ms epoch, the caller's clock
    ARGV[4] idleTtlMs
    ARGV[5] maxTtlMs
    ARGV[6] ip
    ARGV[7] userAgent
    ARGV[8] deadlineMs     Redis-clock ms epoch after which the script must change nothing

  Output:
    expiresAt (integer), or the error reply "ROTOR_STALE ..." when run after the deadline.

  Session fields: c createdAt, l lastUsedAt, m maxExpiresAt, i ip, a a2 a3 ... userAgent,
  g generation of the current token, h hash of the current token, then once rotated: p hash of
  the token the latest rotation spent, r rotatedAt, b successorBox of the latest rotation.
  The user agent is cut into pieces of at most 64 bytes because one longer value turns the
  hash from a listpack into a hashtable (hash-max-listpack-value), more than doubling its size.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[8]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local sessionKey, indexKey = KEYS[1], KEYS[2]
local now = tonumber(ARGV[3])
local maxExpiresAt = now + tonumber(ARGV[5])
local expiresAt = math.min(now + tonumber(ARGV[4]), maxExpiresAt)

redis.call('ZREMRANGEBYSCORE', indexKey, '-inf', now)

local fields = { 'c', now, 'l', now, 'm', maxExpiresAt, 'i', ARGV[6], 'g', 1, 'h', ARGV[2] }
local userAgent = ARGV[7]
for start = 1, #userAgent, 64 do
  local piece = (start - 1) / 64 + 1
  fields[#fields + 1] = piece == 1 and 'a' or 'a' .. piece
  fields[#fields + 1] = string.sub(userAgent, start, start + 63)
end
redis.call('HSET', sessionKey, unpack(fields))
redis.call('PEXPIREAT', sessionKey, expiresAt)

redis.call('ZADD', indexKey, expiresAt, ARGV[1])
local latest = redis.call('ZRANGE', indexKey, -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', indexKey, latest[2])
return expiresAt
