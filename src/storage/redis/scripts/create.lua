-- Inserts a queued ticket unless the idempotency key was seen before or a player already holds a
-- live ticket in the queue.
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua for the keys derived from it)
-- ARGV[1]  ticket id
-- ARGV[2]  createdAt (epoch ms; the queued score)
-- ARGV[3]  expiresAt (epoch ms; the expiry score)
-- ARGV[4]  TTL in ms of the live ticket's keys: a safety net for tickets nobody expires
-- ARGV[5]  idempotency key digest, or "" for none
-- ARGV[6]  request fingerprint ("" for none)
-- ARGV[7]  n, the number of players
-- ARGV[8 .. 7+n]    the players' user ids
-- ARGV[8+n .. end]  the ticket hash's field/value pairs
--
-- Returns {"created"}, {"replayed", ticket}, {"key-reused", ticketId} or {"player-busy", userId, ticketId}.
local id, created_at, expires_at, live_ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local idem, fingerprint = ARGV[5], ARGV[6]
local players = tonumber(ARGV[7])
local idem_key = P .. 'idem:' .. idem

if idem ~= '' then
  local record = redis.call('HMGET', idem_key, 'fingerprint', 'ticket')
  if record[2] then
    local previous = read(record[2])
    if previous[2] then
      if record[1] == fingerprint then
        return {'replayed', previous}
      end
      return {'key-reused', record[2]}
    end
  end
end

for i = 8, 7 + players do
  local holder = redis.call('GET', P .. 'player:' .. ARGV[i])
  if holder and state_of(holder) then
    return {'player-busy', ARGV[i], holder}
  end
end

local key = ticket_key(id)
redis.call('HSET', key, 'createdAt', created_at, 'expiresAt', expires_at, unpack(ARGV, 8 + players))
redis.call('PEXPIRE', key, live_ttl)
add_queued(id, created_at)
redis.call('ZADD', EXPIRY, expires_at, id)
for i = 8, 7 + players do
  redis.call('SET', P .. 'player:' .. ARGV[i], id, 'PX', live_ttl)
end
if idem ~= '' then
  redis.call('HSET', key, 'idem', idem)
  redis.call('HSET', idem_key, 'fingerprint', fingerprint, 'ticket', id)
  redis.call('PEXPIRE', idem_key, live_ttl)
end
return {'created'}
