--[[
  Redis Cluster only: copies what a slot's outbox holds into the revocation feed
  (lib/revocations.lua), skipping what an earlier copy already published, so each revocation
  reaches the feed exactly once however many servers copy the same outbox, and in whatever order
  they run: the feed's slot remembers, per outbox slot, the id of the last outbox entry published
  (a hash of at most 16384 fields), and outbox ids grow.

  Input:
    KEYS[1] feed          <p>{rv}:feed
    KEYS[2] marks         <p>{rv}:published, outbox slot -> last outbox id published

    ARGV[1] slot          the outbox's slot
    ARGV[2] trimMarginMs  how long the feed keeps entries past their `until`
    ARGV[3] marksTtlMs    how long the marks outlive the last publication (longer than an outbox
                          keeps its entries, so no entry outlives the mark that covers it)
    ARGV[4..] the outbox's entries, oldest first, six values each: outbox id, sid, sub, reason, at,
              until (every entry the outbox held when read: none may be left out between two)

  Output:
    { the slot's mark (the last outbox id published), how many entries were published now }
]]
local feedKey, marksKey = KEYS[1], KEYS[2]
local slot = ARGV[1]

local mark = redis.call('HGET', marksKey, slot) or '0-0'
local records = {}
for i = 4, #ARGV, 6 do
  if streamIdBelow(mark, ARGV[i]) then
    mark = ARGV[i]
    records[#records + 1] = { sid = ARGV[i + 1], sub = ARGV[i + 2], reason = ARGV[i + 3], at = ARGV[i + 4], ['until'] = tonumber(ARGV[i + 5]) }
  end
end
if #records > 0 then
  appendToFeed(feedKey, records, tonumber(ARGV[2]))
  redis.call('HSET', marksKey, slot, mark)
end
redis.call('PEXPIRE', marksKey, tonumber(ARGV[3]))
return { mark, #records }
