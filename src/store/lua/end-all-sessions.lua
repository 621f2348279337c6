--[[
  Ends every live session of a user (logout everywhere), publishing one 'logout-all' event
  per session, and removes the user's index.

  Input:
    KEYS[1] session index       <p>{userId}:sessions
    KEYS[2] session key prefix  <p>{userId}:s: (same hash tag, so same slot as every session key)

    ARGV[1] userId
    ARGV[2] now                 ms epoch, the caller's clock
    ARGV[3] channel             session-ended channel
    ARGV[4] deadlineMs          Redis-clock ms epoch after which the script must change nothing

  Output:
    how many sessions ended (integer), or the error reply "ROTOR_STALE ..." when run after the
    deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[4]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local indexKey, sessionKeyPrefix = KEYS[1], KEYS[2]
local userId, now, channel = ARGV[1], tonumber(ARGV[2]), ARGV[3]

redis.call('ZREMRANGEBYSCORE', indexKey, '-inf', now)

local ended = 0
for _, sessionId in ipairs(redis.call('ZRANGE', indexKey, 0, -1)) do
  if redis.call('DEL', sessionKeyPrefix .. sessionId) == 1 then
    ended = ended + 1
    redis.call('PUBLISH', channel, cjson.encode({ userId = userId, sessionId = sessionId, reason = 'logout-all' }))
  end
end
redis.call('DEL', indexKey)
return ended
