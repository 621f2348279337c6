--[[
  Ends one live session (logout, revocation) and publishes its session-ended event.
  Idempotent: ending a session that is gone or already past its expiry changes nothing.

  Input:
    KEYS[1] session hash   <p>{userId}:s:<sessionId>
    KEYS[2] session index  <p>{userId}:sessions

    ARGV[1] userId
    ARGV[2] sessionId
    ARGV[3] reason         'logout' | 'revoked'
    ARGV[4] now            ms epoch, the caller's clock
    ARGV[5] channel        session-ended channel
    ARGV[6] deadlineMs     Redis-clock ms epoch after which the script must change nothing

  Output:
    1 when a live session ended, 0 otherwise, or the error reply "ROTOR_STALE ..." when run
    after the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[6]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local sessionKey, indexKey = KEYS[1], KEYS[2]
local userId, sessionId, now = ARGV[1], ARGV[2], tonumber(ARGV[4])

redis.call('ZREMRANGEBYSCORE', indexKey, '-inf', now)

-- PEXPIRETIME is -2 for a missing key; a session past its expiry by the caller's clock has ended.
if redis.call('PEXPIRETIME', sessionKey) <= now then return 0 end

redis.call('DEL', sessionKey)
redis.call('ZREM', indexKey, sessionId)
local latest = redis.call('ZRANGE', indexKey, -1, -1, 'WITHSCORES')
if latest[2] then redis.call('PEXPIREAT', indexKey, latest[2]) end
redis.call('PUBLISH', ARGV[5], cjson.encode({ userId = userId, sessionId = sessionId, reason = ARGV[3] }))
return 1
