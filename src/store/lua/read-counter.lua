--[[
  Reads a counter without changing it.

  Input:
    KEYS[1] counter  <p>ctr:<key>

  Output:
    { count, resetAt }: { 0, 0 } when the counter does not exist.
]]
local count = redis.call('GET', KEYS[1])
if not count then return { 0, 0 } end
return { tonumber(count), redis.call('PEXPIRETIME', KEYS[1]) }
