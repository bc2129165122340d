-- The unchanging part of each given ticket that is still queued, for a matching pass: its JSON
-- document, or false for a ticket that is no longer queued (claimed, cancelled or expired since it
-- was listed) or gone.
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV     ticket ids
local docs = {}
for i, id in ipairs(ARGV) do
  local fields = redis.call('HMGET', ticket_key(id), 'doc', 'state')
  docs[i] = fields[2] == 'queued' and fields[1] or false
end
return docs
