-- Feeds one matched ticket's wait into the queue's exponentially weighted moving average, shared by
-- every instance.
--
-- KEYS[1]  the queue's wait hash (field "average", in ms)
-- ARGV[1]  the wait in ms
-- ARGV[2]  smoothing: how far one observation moves the average (0..1)
local waited, smoothing = tonumber(ARGV[1]), tonumber(ARGV[2])
local average = tonumber(redis.call('HGET', KEYS[1], 'average'))
if average then
  average = average + smoothing * (waited - average)
else
  average = waited
end
redis.call('HSET', KEYS[1], 'average', tostring(average))
return tostring(average)
