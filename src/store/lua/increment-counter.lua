--[[
  Counts one hit in a fixed window that starts at the counter's first hit. The window ends at
  the caller's now + windowMs (PEXPIREAT), like session expiries, so resetAt does not drift by
  the time the command took to reach Redis.

  Input:
    KEYS[1] counter     <p>ctr:<key>

    ARGV[1] windowMs
    ARGV[2] now         ms epoch, the caller's clock
    ARGV[3] deadlineMs  Redis-clock ms epoch after which the script must change nothing

  Output:
    { count, resetAt }, or the error reply "ROTOR_STALE ..." when run after the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[3]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local count = redis.call('INCR', KEYS[1])
local resetAt = redis.call('PEXPIRETIME', KEYS[1])
-- A first hit has no expiry yet (-1); so would a counter whose expiry was somehow lost.
if resetAt < 0 then
  resetAt = tonumber(ARGV[2]) + tonumber(ARGV[1])
  redis.call('PEXPIREAT', KEYS[1], resetAt)
end
return { count, resetAt }
