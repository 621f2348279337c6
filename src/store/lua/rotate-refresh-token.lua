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

    ARGV[1] the rotation, packed (src/store/redis/rotation-argument.ts; ROTATION_FORMAT below), in order:
      generation      written in the presented token (its MAC is already verified)
      presentedHash   16 bytes
      successorHash   16 bytes, installed only if the presented token is current
      successorBox    32 bytes
      now             ms epoch, the caller's clock
      idleTtlMs
      graceMs         0 disables the grace replay
      deadlineMs      Redis-clock ms epoch after which the script must change nothing
      windowMs        of the counter, when KEYS[4] is given
      maxHits         of the counter, when KEYS[4] is given
      untilOffset     seconds from a revocation's `at` to its `until` (ACCESS_TOKEN_TTL + 5)
      trimMarginMs    how long the feed keeps entries past their `until`
      sinkKind        'feed' | 'outbox'
      userId, sessionId
      ip, userAgent   of the client presenting the token: a rotation records them as the
                      session's (where it was last used)
    One string read by one struct.unpack: seventeen arguments cost the client and Redis more than
    their bytes (each framed, measured, copied and allocated on its own).

  Output (flat arrays; hits and resetAt are the counter's, 0 and 0 when none was given):
    { 'rotated', hits, resetAt, createdAt, expiresAt }  the new generation is the presented one + 1,
                  lastUsedAt is `now` and ip and userAgent the caller's: the caller has them all
    { 'grace', hits, resetAt, generation, createdAt, lastUsedAt, expiresAt, ip, userAgent, successorBox as hex }
                  lastUsedAt, ip and userAgent being those of the rotation that spent the token
    { 'reused', hits, resetAt, outbox entries... }  the session was ended and its 'reuse'
                                                  revocation recorded (writeRevocations)
    { 'invalid', hits, resetAt }  nothing changed
    { 'limited', hits, resetAt }  over the limit: nothing else was read or changed
    or the error reply "ROTOR_STALE ..." when run after the deadline.
]]
local ROTATION_FORMAT = '<dc16c16c32ddddddddHc0Hc0Hc0Hc0Hc0'
local generation, presentedHash, successorHash, successorBox, now, idleTtlMs, graceMs, deadlineMs, windowMs, maxHits,
  untilOffset, trimMarginMs, sinkKind, userId, sessionId, ip, userAgent = struct.unpack(ROTATION_FORMAT, ARGV[1])

local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > deadlineMs then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local sessionKey, accountKey = KEYS[1], KEYS[2]

local hits, resetAt = 0, 0
if KEYS[4] then
  hits, resetAt = countHit(KEYS[4], windowMs, now)
  if hits > maxHits then return { 'limited', hits, resetAt } end
end

local packed = redis.call('GET', sessionKey)
if not packed then return { 'invalid', hits, resetAt } end
local expiresAt = redis.call('PEXPIRETIME', sessionKey)
if expiresAt <= now then return { 'invalid', hits, resetAt } end
local s = decodeSession(packed)

if presentedHash == s.hash and generation == s.generation then
  local nextExpiresAt = math.min(now + idleTtlMs, s.maxExpiresAt)
  s.previousHash, s.hash, s.box = s.hash, successorHash, successorBox
  s.generation, s.lastUsedAt = s.generation + 1, now
  s.ip, s.userAgent = ip, userAgent
  redis.call('SET', sessionKey, encodeSession(s), 'PXAT', nextExpiresAt)
  return { 'rotated', hits, resetAt, s.createdAt, nextExpiresAt }
end

if graceMs > 0 and s.generation > 1 and presentedHash == s.previousHash and generation == s.generation - 1
    and now - s.lastUsedAt <= graceMs then
  return { 'grace', hits, resetAt, s.generation, s.createdAt, s.lastUsedAt, expiresAt, s.ip, s.userAgent, toHex(s.box) }
end

-- The caller verified the token's MAC, so a lower generation is a genuine spent token: reuse.
if generation < s.generation then
  endSession(accountKey, sessionKey, sessionId, now)
  recordRevocation(userId, sessionId, 'reuse', now)
  local reply = writeRevocations(KEYS[3], sinkKind, untilOffset, trimMarginMs)
  for i, value in ipairs({ 'reused', hits, resetAt }) do table.insert(reply, i, value) end
  return reply
end

return { 'invalid', hits, resetAt }
