-- Gives a matching lease up, only if the caller still holds it.
--
-- KEYS[1]  the lease
-- ARGV[1]  the caller's instance id
--
-- Returns 1 when released, 0 when the caller did not hold it.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
