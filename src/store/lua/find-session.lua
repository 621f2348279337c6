--[[
  Reads one live session (for example to check that an access token's session still lives).

  Input:
    KEYS[1] session  <p>{userId}:s:<sessionId> (lib/session-record.lua)

    ARGV[1] now      ms epoch, the caller's clock

  Output:
    { createdAt, lastUsedAt, expiresAt, ip, userAgent }, or an empty array when there is no
    live session.
]]
local sessionKey, now = KEYS[1], tonumber(ARGV[1])

local expiresAt = redis.call('PEXPIRETIME', sessionKey)
if expiresAt <= now then return {} end
local s = decodeSession(redis.call('GET', sessionKey))
return { s.createdAt, s.lastUsedAt, expiresAt, s.ip, s.userAgent }
