-- Opens a matching pass in one step, in this order: allocating tickets claimed before a moment go
-- back to queued (the instance placing them died); queued tickets whose expiresAt has come become
-- expired (a ticket just reclaimed too); then every ticket still queued is read. Terminal tickets
-- need no sweep here: their keys carry TTLs. Index entries whose ticket is gone (its safety TTL ran
-- out) are dropped.
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV[1]  claimedBefore (epoch ms, exclusive)
-- ARGV[2]  now (epoch ms)
-- ARGV[3]  retention of terminal tickets in ms
--
-- Returns {reclaimed, expired, queued}: three lists of tickets, the queued ones in priority order.
local claimed_before, now, retention = ARGV[1], ARGV[2], ARGV[3]

local reclaimed = requeue(redis.call('ZRANGE', ALLOCATING, '-inf', '(' .. claimed_before, 'BYSCORE'), false, now)

local expired = {}
for _, id in ipairs(redis.call('ZRANGE', EXPIRY, '-inf', now, 'BYSCORE')) do
  if state_of(id) == 'queued' then
    bump(id, 'expired', now)
    retire(id, retention)
    expired[#expired + 1] = read(id)
  else
    redis.call('ZREM', EXPIRY, id)
    redis.call('ZREM', QUEUED, id)
  end
end

local queued = {}
for _, id in ipairs(redis.call('ZRANGE', QUEUED, 0, -1)) do
  local ticket = read(id)
  if ticket[2] == 'queued' then
    queued[#queued + 1] = ticket
  end
end

return {reclaimed, expired, queued}
