--[[
  Library prepended to the scripts that count hits (SCRIPT_SPECS in src/store/redis/scripts.ts).

  A fixed-window counter: one string key <p>ctr:<key>, INCR-ed, whose window starts at its first
  hit and ends at the caller's now + windowMs (PEXPIREAT), so resetAt does not drift by the time
  the command took to reach Redis.
]]
local function countHit (counterKey, windowMs, now)
  local count = redis.call('INCR', counterKey)
  local resetAt = redis.call('PEXPIRETIME', counterKey)
  -- A first hit has no expiry yet (-1); so would a counter whose expiry was somehow lost.
  if resetAt < 0 then
    resetAt = now + windowMs
    redis.call('PEXPIREAT', counterKey, resetAt)
  end
  return count, resetAt
end
