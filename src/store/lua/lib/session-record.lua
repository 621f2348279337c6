--[[
  Library prepended to the scripts that read or write sessions (SCRIPT_SPECS in src/store/redis/scripts.ts).

  A session is one string key, <p>{userId}:s:<sessionId>, expiring (PXAT) when the session ends,
  packed with Redis's struct library, little-endian:
    I4  generation of the current token
    I6  createdAt, I6 lastUsedAt, I6 maxExpiresAt   (ms epoch; lastUsedAt is also when the latest
                                                     rotation happened: only rotations use a session)
    c16 hash of the current token
    c16 hash of the token the latest rotation spent  (zeros before the first rotation)
    c32 successorBox of the latest rotation          (zeros before the first rotation)
    H ip length, ip; H userAgent length, userAgent
  One packed string, not a hash of named fields: it holds the values without field names or
  per-field encoding, which makes a session about half the size (214 bytes with a 111-byte user
  agent), and sessions are most of what Redis holds.

  The user's index is a field s:<sessionId> of the account hash <p>{userId}:user, which every user
  has anyway: a field costs a fraction of a key of its own. The session key is the truth; an index
  field whose key is gone is dropped by the scripts that walk the index.
]]
local SESSION_FORMAT = '<I4I6I6I6c16c16c32Hc0Hc0'
local NO_HASH, NO_BOX = string.rep('\0', 16), string.rep('\0', 32)
local INDEX_FIELD_PREFIX = 's:'

local function decodeSession (packed)
  local generation, createdAt, lastUsedAt, maxExpiresAt, hash, previousHash, box, ip, userAgent =
    struct.unpack(SESSION_FORMAT, packed)
  return {
    generation = generation, createdAt = createdAt, lastUsedAt = lastUsedAt, maxExpiresAt = maxExpiresAt,
    hash = hash, previousHash = previousHash, box = box, ip = ip, userAgent = userAgent
  }
end

local function encodeSession (s)
  return struct.pack(SESSION_FORMAT, s.generation, s.createdAt, s.lastUsedAt, s.maxExpiresAt,
    s.hash, s.previousHash, s.box, #s.ip, s.ip, #s.userAgent, s.userAgent)
end

-- createdAt and lastUsedAt of a session, read from their bytes alone (offsets 4 to 15 of
-- SESSION_FORMAT): a walk comparing many sessions need not copy and unpack whole records.
local function readSessionTimes (sessionKey)
  return struct.unpack('<I6I6', redis.call('GETRANGE', sessionKey, 4, 15))
end

-- Binary to hex, for the one binary value a script returns (replies are read as UTF-8 strings).
local function toHex (bytes)
  return (string.gsub(bytes, '.', function (c) return string.format('%02x', string.byte(c)) end))
end

local function indexField (sessionId)
  return INDEX_FIELD_PREFIX .. sessionId
end

-- The session ids in a user's index, live or not.
local function indexedSessionIds (accountKey)
  local ids = {}
  for _, field in ipairs(redis.call('HKEYS', accountKey)) do
    if string.sub(field, 1, #INDEX_FIELD_PREFIX) == INDEX_FIELD_PREFIX then
      ids[#ids + 1] = string.sub(field, #INDEX_FIELD_PREFIX + 1)
    end
  end
  return ids
end

-- The ids of the sessions live by the caller's clock; drops the index fields of the others.
local function liveIndexedSessionIds (accountKey, sessionKeyPrefix, now)
  local live = {}
  for _, sessionId in ipairs(indexedSessionIds(accountKey)) do
    -- PEXPIRETIME is -2 for a missing key.
    if redis.call('PEXPIRETIME', sessionKeyPrefix .. sessionId) > now then
      live[#live + 1] = sessionId
    else
      redis.call('HDEL', accountKey, indexField(sessionId))
    end
  end
  return live
end

-- Ends a session that is live by the caller's clock: deletes its key and index field. Returns 1 when
-- it was live (the caller records its revocation, lib/revocations.lua); otherwise changes nothing
-- and returns 0 (a stale index field is left to the next walk of the index, liveIndexedSessionIds).
local function endSession (accountKey, sessionKey, sessionId, now)
  -- PEXPIRETIME is -2 for a missing key; a session past its expiry by the caller's clock has ended.
  if redis.call('PEXPIRETIME', sessionKey) <= now then return 0 end
  redis.call('DEL', sessionKey)
  redis.call('HDEL', accountKey, indexField(sessionId))
  return 1
end
