--[[
  Lists a user's live sessions, pruning ended ones from the index as it goes. Pruning is the
  only write and no client can observe it, so this script has no deadline guard.

  Input:
    KEYS[1] session index       <p>{userId}:sessions
    KEYS[2] session key prefix  <p>{userId}:s: (same hash tag, so same slot as every session key)

    ARGV[1] now                 ms epoch, the caller's clock

  Output:
    flat array, six entries per session, in index (expiry) order:
    { sessionId, createdAt, lastUsedAt, expiresAt, ip, userAgent, ... }
]]
local indexKey, sessionKeyPrefix = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])

local function userAgentOf (session)
  local pieces, n = { session.a or '' }, 2
  while session['a' .. n] do
    pieces[n] = session['a' .. n]
    n = n + 1
  end
  return table.concat(pieces)
end

redis.call('ZREMRANGEBYSCORE', indexKey, '-inf', now)

local entries = redis.call('ZRANGE', indexKey, 0, -1, 'WITHSCORES')
local listed, dropped = {}, false
for i = 1, #entries, 2 do
  local sessionId = entries[i]
  local flat = redis.call('HGETALL', sessionKeyPrefix .. sessionId)
  if #flat == 0 then
    -- Expired by Redis's clock while the caller's clock is behind it.
    redis.call('ZREM', indexKey, sessionId)
    dropped = true
  else
    local session = {}
    for j = 1, #flat, 2 do session[flat[j]] = flat[j + 1] end
    for _, value in ipairs({ sessionId, session.c, session.l, entries[i + 1], session.i, userAgentOf(session) }) do
      listed[#listed + 1] = value
    end
  end
end

if dropped then
  local latest = redis.call('ZRANGE', indexKey, -1, -1, 'WITHSCORES')
  if latest[2] then redis.call('PEXPIREAT', indexKey, latest[2]) end
end
return listed
