--[[
  Counts one hit of a fixed-window counter (lib/counter.lua).

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

local count, resetAt = countHit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
return { count, resetAt }
