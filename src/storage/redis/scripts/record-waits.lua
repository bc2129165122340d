-- Feeds matched tickets' waits, in order, into the queue's exponentially weighted moving average,
-- shared by every instance.
--
-- KEYS[1]  the queue's wait hash (field "average", in ms)
-- ARGV[1]  smoothing: how far one observation moves the average (0..1)
-- ARGV[2 .. end]  the waits in ms
local smoothing = tonumber(ARGV[1])
local average = tonumber(redis.call('HGET', KEYS[1], 'average'))
for i = 2, #ARGV do
  local waited = tonumber(ARGV[i])
  if average then
    average = average + smoothing * (waited - average)
  else
    average = waited
  end
end
redis.call('HSET', KEYS[1], 'average', tostring(average))
return tostring(average)
