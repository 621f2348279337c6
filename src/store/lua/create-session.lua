--[[
  Creates a session holding the hash of its first refresh token (generation 1) and adds it to the
  user's index. When the user already holds maxSessions live sessions (SESSIONS_PER_USER_MAX), it
  first ends the least recently used ones, lowest lastUsedAt first (then oldest createdAt, then
  lowest id), recording an 'evicted' revocation for each (lib/revocations.lua), so the user holds
  at most maxSessions afterwards.

  Finding them walks the index (lib/session-record.lua, which also drops the fields of ended
  sessions), but only once the account hash holds maxSessions fields: it holds the account's own
  fields besides the index, so this walks a few logins before the cap, never after it. A walk reads
  every index field, so walking on every login would make a user with thousands of live sessions
  pay thousands of reads per login; below the cap the index is walked only when the hash holds a
  power of two fields (4, 8, 16, ...). While no session ends, a walk of n fields comes once per n/2
  logins; at worst (sessions ending exactly as fast as new ones start, right at a power of two)
  every login walks. At the cap every login walks: maxSessions reads, which the configuration
  bounds (src/config.ts). The hash's size is all the state this needs: the account hash is a
  hashtable (its password hash is longer than a listpack value), where a field recording when to
  walk next would add to the memory of every account.

  Input:
    KEYS[1] session             <p>{userId}:s:<sessionId>
    KEYS[2] account hash        <p>{userId}:user (holds the index)
    KEYS[3] session key prefix  <p>{userId}:s: (same hash tag, so same slot as every session key)
    KEYS[4] revocation sink     the feed <p>{rv}:feed (standalone) or the slot's outbox (Cluster),
                                written only when a session is evicted

    ARGV[1] sessionId
    ARGV[2] tokenHash      16 bytes: hash of the generation-1 refresh token
    ARGV[3] now            ms epoch, the caller's clock
    ARGV[4] idleTtlMs
    ARGV[5] maxTtlMs
    ARGV[6] ip
    ARGV[7] userAgent
    ARGV[8] deadlineMs     Redis-clock ms epoch after which the script must change nothing
    ARGV[9] userId
    ARGV[10] maxSessions   live sessions the user may hold, this one included; 0: no cap
    ARGV[11] sinkKind      'feed' | 'outbox'
    ARGV[12] untilOffset   seconds from a revocation's `at` to its `until` (ACCESS_TOKEN_TTL + 5)
    ARGV[13] trimMarginMs  how long the feed keeps entries past their `until`

  Output:
    { expiresAt, n, n evicted session ids (least recently used first), outbox entries... }
    (lib/revocations.lua, writeRevocations), or the error reply "ROTOR_STALE ..." when run after
    the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[8]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

local sessionKey, accountKey, sessionKeyPrefix = KEYS[1], KEYS[2], KEYS[3]
local userId = ARGV[9]
local now = tonumber(ARGV[3])
local maxSessions = tonumber(ARGV[10])
local maxExpiresAt = now + tonumber(ARGV[5])
local expiresAt = math.min(now + tonumber(ARGV[4]), maxExpiresAt)

-- Byte order, as the memory store compares ids: Lua's `<` on strings follows the server's locale.
local function bytesBelow (a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local function usedBefore (a, b)
  if a.lastUsedAt ~= b.lastUsedAt then return a.lastUsedAt < b.lastUsedAt end
  if a.createdAt ~= b.createdAt then return a.createdAt < b.createdAt end
  return bytesBelow(a.id, b.id)
end

-- Ends the least recently used of `live` (session ids) until maxSessions - 1 are left.
local function evictLeastRecentlyUsed (live)
  local excess = #live - maxSessions + 1
  if excess <= 0 then return {} end
  local byUse = {}
  for i, sessionId in ipairs(live) do
    local createdAt, lastUsedAt = readSessionTimes(sessionKeyPrefix .. sessionId)
    byUse[i] = { id = sessionId, lastUsedAt = lastUsedAt, createdAt = createdAt }
  end
  -- At the cap a login evicts one: one pass finds it, where sorting every session would cost more.
  if excess == 1 then
    local oldest = byUse[1]
    for i = 2, #byUse do
      if usedBefore(byUse[i], oldest) then oldest = byUse[i] end
    end
    byUse = { oldest }
  else
    table.sort(byUse, usedBefore)
  end
  local evicted = {}
  for i = 1, excess do
    local sessionId = byUse[i].id
    endSession(accountKey, sessionKeyPrefix .. sessionId, sessionId, now)
    recordRevocation(userId, sessionId, 'evicted', now)
    evicted[i] = sessionId
  end
  return evicted
end

local fields = redis.call('HLEN', accountKey)
local evicted = {}
if maxSessions > 0 and fields >= maxSessions then
  evicted = evictLeastRecentlyUsed(liveIndexedSessionIds(accountKey, sessionKeyPrefix, now))
else
  local powerOfTwo = 4
  while powerOfTwo < fields do powerOfTwo = powerOfTwo * 2 end
  if fields == powerOfTwo then liveIndexedSessionIds(accountKey, sessionKeyPrefix, now) end
end

redis.call('SET', sessionKey, encodeSession({
  generation = 1, createdAt = now, lastUsedAt = now, maxExpiresAt = maxExpiresAt,
  hash = ARGV[2], previousHash = NO_HASH, box = NO_BOX, ip = ARGV[6], userAgent = ARGV[7]
}), 'PXAT', expiresAt)
redis.call('HSET', accountKey, indexField(ARGV[1]), '')

local reply = writeRevocations(KEYS[4], ARGV[11], tonumber(ARGV[12]), tonumber(ARGV[13]))
table.insert(reply, 1, expiresAt)
table.insert(reply, 2, #evicted)
for i, sessionId in ipairs(evicted) do table.insert(reply, 2 + i, sessionId) end
return reply
