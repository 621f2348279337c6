--[[
  Ends every live session of a user (logout everywhere), publishing one 'logout-all' event per
  session, and empties the user's index.

  Input:
    KEYS[1] account hash        <p>{userId}:user (holds the index, lib/session-record.lua)
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

local accountKey, sessionKeyPrefix = KEYS[1], KEYS[2]
local userId, now, channel = ARGV[1], tonumber(ARGV[2]), ARGV[3]

local ended = 0
for _, sessionId in ipairs(liveIndexedSessionIds(accountKey, sessionKeyPrefix, now)) do
  ended = ended + endSession(accountKey, sessionKeyPrefix .. sessionId, userId, sessionId, 'logout-all', now, channel)
end
return ended
