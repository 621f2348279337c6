--[[
  Takes back one hit of a fixed-window counter (a reserved attempt that turned out not to count);
  deletes the counter when none are left. An absent counter stays absent (DECR would create one).

  Input:
    KEYS[1] counter     <p>ctr:<key>

    ARGV[1] deadlineMs  Redis-clock ms epoch after which the script must change nothing

  Output:
    the count left (0 when the counter is gone or was absent), or the error reply
    "ROTOR_STALE ..." when run after the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[1]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local left = redis.call('DECR', KEYS[1])
if left <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
return left
