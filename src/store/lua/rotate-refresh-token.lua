--[[
  Spends a refresh token: rotation, grace replay or reuse detection, as one atomic step. When a
  counter key is given, first counts the request against the caller's per-IP limit, in the same
  step, so a refresh is one round trip limit included; over the limit nothing else happens.

  Input:
    KEYS[1] session        <p>{userId}:s:<sessionId> (lib/session-record.lua)
    KEYS[2] account hash   <p>{userId}:user (holds the index)
    KEYS[3] revocations    the feed <p>{rv}:feed (standalone) or the slot's outbox (Cluster),
                           written only when reuse ends the session (lib/revocations.lua)
    KEYS[4] counter        <p>ctr:<key>, optional (lib/counter.lua); standalone Redis only, as it
                           lies in another Cluster slot

    ARGV[1] userId
    ARGV[2] sessionId
    ARGV[3] generation     written in the presented token (its MAC is already verified)
    ARGV[4] presentedHash  16 bytes
    ARGV[5] successorHash  16 bytes, installed only if the presented token is current
    ARGV[6] successorBox   32 bytes
    ARGV[7] now            ms epoch, the caller's clock
    ARGV[8] idleTtlMs
    ARGV[9] graceMs        0 disables the grace replay
    ARGV[10] sinkKind      'feed' | 'outbox'
    ARGV[11] untilOffset   seconds from a revocation's `at` to its `until` (ACCESS_TOKEN_TTL + 5)
    ARGV[12] trimMarginMs  how long the feed keeps entries past their `until`
    ARGV[13] deadlineMs    Redis-clock ms epoch after which the script must change nothing
    ARGV[14] ip            of the client presenting the token: a rotation records it, and the
    ARGV[15] userAgent     user agent, as the session's (where it was last used)
    ARGV[16] windowMs      of the counter, when KEYS[4] is given
    ARGV[17] maxHits       of the counter, when KEYS[4] is given

  Output (flat arrays; hits and resetAt are the counter's, 0 and 0 when none was given):
    { 'rotated', hits, resetAt, generation, createdAt, lastUsedAt, expiresAt, ip, userAgent }
    { 'grace', hits, resetAt, generation, createdAt, lastUsedAt, expiresAt, ip, userAgent, successorBox as hex }
                  lastUsedAt, ip and userAgent being those of the rotation that spent the token
    { 'reused', hits, resetAt, outbox entries... }  the session was ended and its 'reuse'
                                                  revocation recorded (writeRevocations)
    { 'invalid', hits, resetAt }  nothing changed
    { 'limited', hits, resetAt }  over the limit: nothing else was read or changed
    or the error reply "ROTOR_STALE ..." when run after the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[13]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local sessionKey, accountKey = KEYS[1], KEYS[2]
local userId, sessionId = ARGV[1], ARGV[2]
local generation, presentedHash = tonumber(ARGV[3]), ARGV[4]
local now, graceMs = tonumber(ARGV[7]), tonumber(ARGV[9])

local hits, resetAt = 0, 0
if KEYS[4] then
  hits, resetAt = countHit(KEYS[4], tonumber(ARGV[16]), now)
  if hits > tonumber(ARGV[17]) then return { 'limited', hits, resetAt } end
end

local packed = redis.call('GET', sessionKey)
if not packed then return { 'invalid', hits, resetAt } end
local expiresAt = redis.call('PEXPIRETIME', sessionKey)
if expiresAt <= now then return { 'invalid', hits, resetAt } end
local s = decodeSession(packed)

if presentedHash == s.hash and generation == s.generation then
  local nextExpiresAt = math.min(now + tonumber(ARGV[8]), s.maxExpiresAt)
  s.previousHash, s.hash, s.box = s.hash, ARGV[5], ARGV[6]
  s.generation, s.lastUsedAt = s.generation + 1, now
  s.ip, s.userAgent = ARGV[14], ARGV[15]
  redis.call('SET', sessionKey, encodeSession(s), 'PXAT', nextExpiresAt)
  return { 'rotated', hits, resetAt, s.generation, s.createdAt, now, nextExpiresAt, s.ip, s.userAgent }
end

if graceMs > 0 and s.generation > 1 and presentedHash == s.previousHash and generation == s.generation - 1
    and now - s.lastUsedAt <= graceMs then
  return { 'grace', hits, resetAt, s.generation, s.createdAt, s.lastUsedAt, expiresAt, s.ip, s.userAgent, toHex(s.box) }
end

-- The caller verified the token's MAC, so a lower generation is a genuine spent token: reuse.
if generation < s.generation then
  endSession(accountKey, sessionKey, sessionId, now)
  recordRevocation(userId, sessionId, 'reuse', now)
  local reply = writeRevocations(KEYS[3], ARGV[10], tonumber(ARGV[11]), tonumber(ARGV[12]))
  for i, value in ipairs({ 'reused', hits, resetAt }) do table.insert(reply, i, value) end
  return reply
end

return { 'invalid', hits, resetAt }
