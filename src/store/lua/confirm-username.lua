--[[
  Last step of createUser: makes a username claim permanent if it still belongs to the user
  that claimed it (a claim left by a crash expires after 30 s and may have been taken since).

  Input:
    KEYS[1] username claim  <p>name:<b64url sha256(username)>

    ARGV[1] userId
    ARGV[2] deadlineMs      Redis-clock ms epoch after which the script must change nothing

  Output:
    1 when the claim is now permanent, 0 when it is no longer this user's, or the error reply
    "ROTOR_STALE ..." when run after the deadline.
]]
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[2]) then
  return redis.error_reply('ROTOR_STALE the deadline passed before the script ran')
end

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PERSIST', KEYS[1])
return 1
