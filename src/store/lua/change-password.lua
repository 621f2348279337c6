--[[
  Replaces a user's password hash if it is still the one the caller checked, and ends every
  other session of the user, recording a 'password-change' revocation for each
  (lib/revocations.lua), atomically.

  Input:
    KEYS[1] account hash        <p>{userId}:user (also the session index, lib/session-record.lua)
    KEYS[2] session key prefix  <p>{userId}:s: (same hash tag, so same slot as every session key)
    KEYS[3] revocation sink     the feed <p>{rv}:feed (standalone) or the slot's outbox (Cluster)

    ARGV[1] userId
    ARGV[2] previousPasswordHash
    ARGV[3] passwordHash
    ARGV[4] keepSessionId       '' to end every session
    ARGV[5] now                 ms epoch, the caller's clock
    ARGV[6] sinkKind            'feed' | 'outbox'
    ARGV[7] untilOffset         seconds from a revocation's `at` to its `until` (ACCESS_TOKEN_TTL + 5)
    ARGV[8] trimMarginMs        how long the feed keeps entries past their `until`
    ARGV[9] deadlineMs          Redis-clock ms epoch after which the script must change nothing

  Output:
    { how many sessions ended, outbox entries... } (lib/revocations.lua, writeRevocations), or
    { -1 } when the account is gone or its hash changed meanwhile (nothing changed then), or the
    error reply "ROTOR_STALE ..." when run after the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[9]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local accountKey, sessionKeyPrefix = KEYS[1], KEYS[2]
local userId, keepSessionId, now = ARGV[1], ARGV[4], tonumber(ARGV[5])

if redis.call('HGET', accountKey, 'passwordHash') ~= ARGV[2] then return { -1 } end
redis.call('HSET', accountKey, 'passwordHash', ARGV[3])

local ended = 0
for _, sessionId in ipairs(liveIndexedSessionIds(accountKey, sessionKeyPrefix, now)) do
  if sessionId ~= keepSessionId and endSession(accountKey, sessionKeyPrefix .. sessionId, sessionId, now) == 1 then
    ended = ended + 1
    recordRevocation(userId, sessionId, 'password-change', now)
  end
end
local reply = writeRevocations(KEYS[3], ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8]))
table.insert(reply, 1, ended)
return reply
