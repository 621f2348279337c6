--[[
  Counts one hit in a fixed window that starts at the counter's first hit.

  Input:
    KEYS[1] counter     <p>ctr:<key>

    ARGV[1] windowMs
    ARGV[2] deadlineMs  Redis-clock ms epoch after which the script must change nothing

  Output:
    { count, msLeftInWindow }, or the error reply "ROTOR_STALE ..." when run after the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[2]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local count = redis.call('INCR', KEYS[1])
local msLeft = redis.call('PTTL', KEYS[1])
-- A first hit has no TTL yet (-1); so would a counter whose PEXPIRE was somehow lost.
if msLeft < 0 then
  msLeft = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], msLeft)
end
return { count, msLeft }
