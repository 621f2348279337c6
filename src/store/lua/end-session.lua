--[[
  Ends one live session (logout, revocation, eviction) and records its revocation
  (lib/revocations.lua). Idempotent: ending a session that is gone or already past its expiry
  changes nothing a client can see and records nothing.

  Input:
    KEYS[1] session          <p>{userId}:s:<sessionId> (lib/session-record.lua)
    KEYS[2] account hash     <p>{userId}:user (holds the index)
    KEYS[3] revocation sink  the feed <p>{rv}:feed (standalone) or the slot's outbox (Cluster)

    ARGV[1] userId
    ARGV[2] sessionId
    ARGV[3] reason           'logout' | 'revoked' | 'evicted'
    ARGV[4] now              ms epoch, the caller's clock
    ARGV[5] sinkKind         'feed' | 'outbox'
    ARGV[6] untilOffset      seconds from a revocation's `at` to its `until` (ACCESS_TOKEN_TTL + 5)
    ARGV[7] trimMarginMs     how long the feed keeps entries past their `until`
    ARGV[8] deadlineMs       Redis-clock ms epoch after which the script must change nothing

  Output:
    { 1 when a live session ended else 0, outbox entries... } (lib/revocations.lua,
    writeRevocations), or the error reply "ROTOR_STALE ..." when run after the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[8]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local now = tonumber(ARGV[4])
local ended = endSession(KEYS[2], KEYS[1], ARGV[2], now)
if ended == 1 then recordRevocation(ARGV[1], ARGV[2], ARGV[3], now) end
local reply = writeRevocations(KEYS[3], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]))
table.insert(reply, 1, ended)
return reply
