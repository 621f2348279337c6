--[[
  Reads one live session (for example to check that an access token's session still lives).

  Input:
    KEYS[1] session hash  <p>{userId}:s:<sessionId>

    ARGV[1] now           ms epoch, the caller's clock

  Output:
    { createdAt, lastUsedAt, expiresAt, ip, userAgent }, or an empty array when there is no
    live session.
]]
local sessionKey, now = KEYS[1], tonumber(ARGV[1])

local expiresAt = redis.call('PEXPIRETIME', sessionKey)
if expiresAt <= now then return {} end

local flat = redis.call('HGETALL', sessionKey)
local session = {}
for i = 1, #flat, 2 do session[flat[i]] = flat[i + 1] end

local pieces, n = { session.a or '' }, 2
while session['a' .. n] do
  pieces[n] = session['a' .. n]
  n = n + 1
end
return { session.c, session.l, expiresAt, session.i, table.concat(pieces) }
