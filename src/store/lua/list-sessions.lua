--[[
  Lists a user's live sessions, dropping index fields of ended ones as it goes. Pruning is the
  only write and no client can observe it, so this script has no deadline guard.

  Input:
    KEYS[1] account hash        <p>{userId}:user (holds the index, lib/session-record.lua)
    KEYS[2] session key prefix  <p>{userId}:s: (same hash tag, so same slot as every session key)

    ARGV[1] now                 ms epoch, the caller's clock

  Output:
    flat array, six entries per session, in no particular order:
    { sessionId, createdAt, lastUsedAt, expiresAt, ip, userAgent, ... }
]]
local accountKey, sessionKeyPrefix = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])

local listed = {}
for _, sessionId in ipairs(liveIndexedSessionIds(accountKey, sessionKeyPrefix, now)) do
  local sessionKey = sessionKeyPrefix .. sessionId
  local s = decodeSession(redis.call('GET', sessionKey))
  for _, value in ipairs({ sessionId, s.createdAt, s.lastUsedAt, redis.call('PEXPIRETIME', sessionKey), s.ip, s.userAgent }) do
    listed[#listed + 1] = value
  end
end
return listed
