--[[
  Library prepended to the scripts that end sessions and to those that publish or read the
  revocation feed (src/store/redis/scripts.ts).

  The feed is one Redis Stream, <p>{rv}:feed, one entry per ended session, fields in this order:
  sid, sub, reason, at, until (Unix seconds; until = at + ACCESS_TOKEN_TTL + 5). An entry's id is
  <until in ms>-<n>, or the next id after the stream's last when that is higher (ids must grow), so
  every id is at least its entry's `until`: an entry whose id lies more than the trim margin behind
  Redis's clock is out of force, and is removed with XDEL (not XTRIM), which records the highest id
  removed as the stream's max-deleted-entry-id: a reader whose cursor is older learns that it missed
  entries (read-revocations.lua). The key expires a margin after its newest id (or after the
  latest write, if later), so an idle feed leaves nothing behind once nothing in it is in force.

  Standalone Redis: a script that ends sessions appends to the feed itself (the feed is one of its
  KEYS), in the same atomic step. Redis Cluster: the feed lies in another slot, so the script
  appends to its slot's outbox, <p>{<slot tag>}:outbox (a stream in the same slot as the user's
  keys), and returns all the outbox holds; the server copies that into the feed
  (publish-revocations.lua, which skips what an earlier copy already published) and trims the
  outbox. Outbox entries have the feed's fields; their ids are Redis's own (`*`).
]]
local FEED_TRIM_BATCH = 1000

-- The session ends of this script, in order: endSession's callers record them here.
local revocations = {}

local function recordRevocation (userId, sessionId, reason, now)
  revocations[#revocations + 1] = { sid = sessionId, sub = userId, reason = reason, at = math.floor(now / 1000) }
end

local function redisNowMs ()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

-- A stream id as two numbers; nil for anything else.
local function parseStreamId (id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  if ms == nil or #ms > 15 or #seq > 15 then return nil end
  return tonumber(ms), tonumber(seq)
end

local function streamIdBelow (a, b)
  local aMs, aSeq = parseStreamId(a)
  local bMs, bSeq = parseStreamId(b)
  return aMs < bMs or (aMs == bMs and aSeq < bSeq)
end

-- Removes feed entries whose id is below `threshold` ms (out of force by then), a batch at a time.
local function trimFeed (feedKey, threshold)
  local old = redis.call('XRANGE', feedKey, '-', '(' .. threshold .. '-0', 'COUNT', FEED_TRIM_BATCH)
  if #old == 0 then return end
  local ids = {}
  for i, entry in ipairs(old) do ids[i] = entry[1] end
  redis.call('XDEL', feedKey, unpack(ids))
end

-- Appends { sid, sub, reason, at, until } records to the feed, then trims it and sets its expiry.
local function appendToFeed (feedKey, records, marginMs)
  local lastId
  for _, r in ipairs(records) do
    local fields = { 'sid', r.sid, 'sub', r.sub, 'reason', r.reason, 'at', r.at, 'until', r['until'] }
    lastId = redis.pcall('XADD', feedKey, (r['until'] * 1000) .. '-*', unpack(fields))
    -- The stream's last id is above this entry's `until`: take the next id after it.
    if type(lastId) == 'table' then lastId = redis.call('XADD', feedKey, '*', unpack(fields)) end
  end
  if lastId == nil then return end
  local nowMs = redisNowMs()
  trimFeed(feedKey, nowMs - marginMs)
  redis.call('PEXPIREAT', feedKey, math.max(parseStreamId(lastId), nowMs) + marginMs)
end

--[[
  Writes the revocations this script recorded to `sinkKey`: the feed itself ('feed'), or the slot's
  outbox ('outbox'), which keeps entries `keepMs` (until offset + margin: by then they are out of
  force). Returns, for an outbox, every entry it holds, flat: { id, sid, sub, reason, at, until, ... };
  otherwise an empty array.
]]
local function writeRevocations (sinkKey, sinkKind, untilOffset, marginMs)
  if #revocations == 0 then return {} end
  for _, r in ipairs(revocations) do r['until'] = r.at + untilOffset end
  if sinkKind == 'feed' then
    appendToFeed(sinkKey, revocations, marginMs)
    return {}
  end
  local keepMs = untilOffset * 1000 + marginMs
  for _, r in ipairs(revocations) do
    redis.call('XADD', sinkKey, '*', 'sid', r.sid, 'sub', r.sub, 'reason', r.reason, 'at', r.at, 'until', r['until'])
  end
  redis.call('XTRIM', sinkKey, 'MINID', redisNowMs() - keepMs)
  redis.call('PEXPIRE', sinkKey, keepMs)
  local flat = {}
  for _, entry in ipairs(redis.call('XRANGE', sinkKey, '-', '+')) do
    flat[#flat + 1] = entry[1]
    for i = 2, 10, 2 do flat[#flat + 1] = entry[2][i] end
  end
  return flat
end
