--[[
  Reads a counter without changing it.

  Input:
    KEYS[1] counter  <p>ctr:<key>

  Output:
    { count, msLeftInWindow }: { 0, 0 } when the counter does not exist.
]]
local count = redis.call('GET', KEYS[1])
if not count then return { 0, 0 } end
return { tonumber(count), math.max(redis.call('PTTL', KEYS[1]), 0) }
