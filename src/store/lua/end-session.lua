--[[
  Ends one live session (logout, revocation) and publishes its session-ended event.
  Idempotent: ending a session that is gone or already past its expiry changes nothing a client
  can see (a stale index field is dropped).

  Input:
    KEYS[1] session        <p>{userId}:s:<sessionId> (lib/session-record.lua)
    KEYS[2] account hash   <p>{userId}:user (holds the index)

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

return endSession(KEYS[2], KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5])
