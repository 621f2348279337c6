--[[
  Spends a refresh token: rotation, grace replay or reuse detection, in the decision order of
  notes/STORE-SPEC.md ("rotateRefreshToken"), as one atomic step.

  Input:
    KEYS[1] session hash   <p>{userId}:s:<sessionId>
    KEYS[2] session index  <p>{userId}:sessions

    ARGV[1] userId
    ARGV[2] sessionId
    ARGV[3] generation     written in the presented token (its MAC is already verified)
    ARGV[4] presentedHash
    ARGV[5] successorHash  installed only if the presented token is current
    ARGV[6] successorBox
    ARGV[7] now            ms epoch, the caller's clock
    ARGV[8] idleTtlMs
    ARGV[9] graceMs        0 disables the grace replay
    ARGV[10] channel       session-ended channel
    ARGV[11] deadlineMs    Redis-clock ms epoch after which the script must change nothing

  Output (flat arrays):
    { 'rotated', generation, createdAt, lastUsedAt, expiresAt, ip, userAgent }
    { 'grace', generation, createdAt, lastUsedAt, expiresAt, ip, userAgent, successorBox }
    { 'reused' }   the session was deleted and a 'reuse' event published
    { 'invalid' }  nothing changed
    or the error reply "ROTOR_STALE ..." when run after the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[11]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local sessionKey, indexKey = KEYS[1], KEYS[2]
local userId, sessionId = ARGV[1], ARGV[2]
local generation, presentedHash = tonumber(ARGV[3]), ARGV[4]
local now, graceMs = tonumber(ARGV[7]), tonumber(ARGV[9])

local function expireIndexAtLatest ()
  local latest = redis.call('ZRANGE', indexKey, -1, -1, 'WITHSCORES')
  if latest[2] then redis.call('PEXPIREAT', indexKey, latest[2]) end
end

local function userAgentOf (session)
  local pieces, n = { session.a or '' }, 2
  while session['a' .. n] do
    pieces[n] = session['a' .. n]
    n = n + 1
  end
  return table.concat(pieces)
end

redis.call('ZREMRANGEBYSCORE', indexKey, '-inf', now)

local flat = redis.call('HGETALL', sessionKey)
if #flat == 0 then return { 'invalid' } end
local expiresAt = redis.call('PEXPIRETIME', sessionKey)
if expiresAt <= now then return { 'invalid' } end
local session = {}
for i = 1, #flat, 2 do session[flat[i]] = flat[i + 1] end
local currentGeneration = tonumber(session.g)

if presentedHash == session.h and generation == currentGeneration then
  local nextExpiresAt = math.min(now + tonumber(ARGV[8]), tonumber(session.m))
  redis.call('HSET', sessionKey, 'p', session.h, 'h', ARGV[5], 'b', ARGV[6], 'r', now,
    'g', currentGeneration + 1, 'l', now)
  redis.call('PEXPIREAT', sessionKey, nextExpiresAt)
  redis.call('ZADD', indexKey, nextExpiresAt, sessionId)
  expireIndexAtLatest()
  return { 'rotated', currentGeneration + 1, session.c, now, nextExpiresAt, session.i, userAgentOf(session) }
end

if graceMs > 0 and session.p and presentedHash == session.p and generation == currentGeneration - 1
    and now - tonumber(session.r) <= graceMs then
  return { 'grace', currentGeneration, session.c, session.l, expiresAt, session.i, userAgentOf(session), session.b }
end

-- The caller verified the token's MAC, so a lower generation is a genuine spent token: reuse.
if generation < currentGeneration then
  redis.call('DEL', sessionKey)
  redis.call('ZREM', indexKey, sessionId)
  expireIndexAtLatest()
  redis.call('PUBLISH', ARGV[10], cjson.encode({ userId = userId, sessionId = sessionId, reason = 'reuse' }))
  return { 'reused' }
end

return { 'invalid' }
