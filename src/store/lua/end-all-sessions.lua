--[[
  Ends every live session of a user (logout everywhere), recording one 'logout-all' revocation per
  session (lib/revocations.lua), and empties the user's index.

  Input:
    KEYS[1] account hash        <p>{userId}:user (holds the index, lib/session-record.lua)
    KEYS[2] session key prefix  <p>{userId}:s: (same hash tag, so same slot as every session key)
    KEYS[3] revocation sink     the feed <p>{rv}:feed (standalone) or the slot's outbox (Cluster)

    ARGV[1] userId
    ARGV[2] now                 ms epoch, the caller's clock
    ARGV[3] sinkKind            'feed' | 'outbox'
    ARGV[4] untilOffset         seconds from a revocation's `at` to its `until` (ACCESS_TOKEN_TTL + 5)
    ARGV[5] trimMarginMs        how long the feed keeps entries past their `until`
    ARGV[6] deadlineMs          Redis-clock ms epoch after which the script must change nothing

  Output:
    { how many sessions ended, outbox entries... } (lib/revocations.lua, writeRevocations), or the
    error reply "ROTOR_STALE ..." when run after the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[6]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local accountKey, sessionKeyPrefix = KEYS[1], KEYS[2]
local userId, now = ARGV[1], tonumber(ARGV[2])

local ended = 0
for _, sessionId in ipairs(liveIndexedSessionIds(accountKey, sessionKeyPrefix, now)) do
  if endSession(accountKey, sessionKeyPrefix .. sessionId, sessionId, now) == 1 then
    ended = ended + 1
    recordRevocation(userId, sessionId, 'logout-all', now)
  end
end
local reply = writeRevocations(KEYS[3], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]))
table.insert(reply, 1, ended)
return reply
