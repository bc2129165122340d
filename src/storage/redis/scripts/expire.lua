-- Queued tickets whose expiresAt has come become expired. Terminal tickets need no sweep here: their
-- keys carry TTLs. Index entries whose ticket is gone (its safety TTL ran out) are dropped.
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV[1]  now (epoch ms)
-- ARGV[2]  retention of terminal tickets in ms
--
-- Returns the expired tickets.
local now, retention = ARGV[1], ARGV[2]
local expired = {}
for _, id in ipairs(redis.call('ZRANGE', EXPIRY, '-inf', now, 'BYSCORE')) do
  local state = state_of(id)
  if state == 'queued' then
    bump(id, 'expired', now)
    retire(id, retention)
    expired[#expired + 1] = read(id)
  else
    redis.call('ZREM', EXPIRY, id)
    redis.call('ZREM', QUEUED, id)
  end
end
return expired
