-- Takes a queue's matching lease, or extends it when the caller already holds it.
--
-- KEYS[1]  the lease: the holder's instance id, expiring after the TTL unless renewed
-- KEYS[2]  the fencing token counter (never expires; one per queue)
-- ARGV[1]  the caller's instance id
-- ARGV[2]  lease TTL in ms
--
-- Returns the fencing token while the caller holds the lease (a new one, from INCR, on every new
-- acquisition, so tokens only grow across holders), or nil when another instance holds it.
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  local token = redis.call('GET', KEYS[2])
  if token then
    return tonumber(token)
  end
  return redis.call('INCR', KEYS[2])
end
if owner then
  return nil
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return redis.call('INCR', KEYS[2])
