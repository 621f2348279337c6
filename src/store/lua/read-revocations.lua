--[[
  Reads the revocation feed (lib/revocations.lua): the entries in force after a cursor, oldest
  first. Read-only.

  A reader must start again from everything in force (`reset`) when its cursor is older than an
  entry the feed removed (max-deleted-entry-id), or newer than the feed's last id: the feed lost
  entries it had (a Redis that restarted without its data, a failover that lost the latest writes)
  or the cursor is another feed's.

  Input:
    KEYS[1] feed    <p>{rv}:feed

    ARGV[1] after   a cursor (a stream id) or '' for everything in force
    ARGV[2] now     ms epoch, the caller's clock: an entry is in force while until * 1000 > now
    ARGV[3] limit   most entries to return

  Output:
    { reset (1 or 0), cursor, id, sid, sub, reason, at, until, ... }: the cursor to read on from
    (the last entry scanned, which may be out of force; `after` when nothing was scanned; the feed's
    last id for a read from the start that found nothing).
]]
local feedKey = KEYS[1]
local after, now, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local lastId, maxDeletedId = '0-0', '0-0'
if redis.call('EXISTS', feedKey) == 1 then
  local info = redis.call('XINFO', 'STREAM', feedKey)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then lastId = info[i + 1] end
    if info[i] == 'max-deleted-entry-id' then maxDeletedId = info[i + 1] end
  end
end

local reset, cursor, from = 0, lastId, '-'
if after ~= '' then
  if parseStreamId(after) == nil or streamIdBelow(after, maxDeletedId) or streamIdBelow(lastId, after) then
    reset = 1
  else
    cursor, from = after, '(' .. after
  end
end

local reply = { reset, cursor }
local found, scanned = 0, 0
-- Entries out of force are skipped, up to ten pages' worth, so one script never runs long.
while found < limit and scanned < limit * 10 do
  local entries = redis.call('XRANGE', feedKey, from, '+', 'COUNT', limit - found)
  if #entries == 0 then break end
  for _, entry in ipairs(entries) do
    local id, fields = entry[1], entry[2]
    scanned = scanned + 1
    reply[2] = id
    if tonumber(fields[10]) * 1000 > now then
      found = found + 1
      for _, value in ipairs({ id, fields[2], fields[4], fields[6], fields[8], fields[10] }) do reply[#reply + 1] = value end
    end
  end
  from = '(' .. reply[2]
end
return reply
