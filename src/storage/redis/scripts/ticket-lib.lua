-- Shared helpers of the ticket store scripts; prepended to each of them when they are loaded.
--
-- KEYS[1] is always the queue's key prefix, "<prefix>:{<queue>}:". Every key a store script touches
-- starts with it, so all of them share the queue's hash slot (Redis Cluster safe). Keys derived here:
--   P .. "t:" .. id           ticket hash: doc (JSON, immutable), state, version, updatedAt,
--                             createdAt, expiresAt, matchId, assignment (JSON), idem (digest)
--   P .. "queued"             sorted set of queued ticket ids by createdAt
--   P .. "expiry"             sorted set of queued ticket ids by expiresAt
--   P .. "allocating"         sorted set of allocating ticket ids by claim time
--   P .. "player:" .. userId  the player's live ticket id
--   P .. "idem:" .. digest    idempotency record: fingerprint, ticket
--   P .. "fence"              the queue's current matching-lease fencing token
local P = KEYS[1]
local QUEUED = P .. 'queued'
local EXPIRY = P .. 'expiry'
local ALLOCATING = P .. 'allocating'

local function ticket_key(id)
  return P .. 't:' .. id
end

-- A ticket as every script returns it: {doc, state, version, updatedAt, matchId, assignment}, with
-- absent fields as nil. A missing ticket has a nil state.
local function read(id)
  return redis.call('HMGET', ticket_key(id), 'doc', 'state', 'version', 'updatedAt', 'matchId', 'assignment')
end

local function state_of(id)
  return redis.call('HGET', ticket_key(id), 'state')
end

-- The next version of a ticket: new state, updatedAt = now, version + 1.
local function bump(id, state, now)
  local key = ticket_key(id)
  redis.call('HSET', key, 'state', state, 'updatedAt', now)
  redis.call('HINCRBY', key, 'version', 1)
end

-- Back in the queue with its original priority.
local function index_queued(id)
  local key = ticket_key(id)
  local times = redis.call('HMGET', key, 'createdAt', 'expiresAt')
  redis.call('ZADD', QUEUED, times[1], id)
  redis.call('ZADD', EXPIRY, times[2], id)
  redis.call('ZREM', ALLOCATING, id)
  redis.call('HDEL', key, 'matchId')
end

-- Off the market for a match: no longer queued, allocating since `now`.
local function index_allocating(id, match_id, now)
  redis.call('ZREM', QUEUED, id)
  redis.call('ZREM', EXPIRY, id)
  redis.call('ZADD', ALLOCATING, now, id)
  redis.call('HSET', ticket_key(id), 'matchId', match_id)
end

-- Whether a ticket is allocating for `match_id` (when `match_id` is false: for any match), the only
-- tickets assign and requeue may move; one that has moved on since (requeued, or claimed again for
-- another match) is left alone.
local function allocating_for(id, match_id)
  local fields = redis.call('HMGET', ticket_key(id), 'state', 'matchId')
  return fields[1] == 'allocating' and (not match_id or fields[2] == match_id)
end

-- A terminal ticket: out of every index, its players free to queue again, and the ticket and its
-- idempotency record kept for `retention_ms` only.
local function retire(id, retention_ms)
  local key = ticket_key(id)
  redis.call('ZREM', QUEUED, id)
  redis.call('ZREM', EXPIRY, id)
  redis.call('ZREM', ALLOCATING, id)
  local doc = cjson.decode(redis.call('HGET', key, 'doc'))
  for _, player in ipairs(doc.players) do
    local player_key = P .. 'player:' .. player.userId
    if redis.call('GET', player_key) == id then
      redis.call('DEL', player_key)
    end
  end
  redis.call('PEXPIRE', key, retention_ms)
  local idem = redis.call('HGET', key, 'idem')
  if idem then
    redis.call('PEXPIRE', P .. 'idem:' .. idem, retention_ms)
  end
end

-- Allocating tickets back to queued, for the given ids (when `match_id` is false: any match).
local function requeue(ids, match_id, now)
  local requeued = {}
  for _, id in ipairs(ids) do
    if allocating_for(id, match_id) then
      index_queued(id)
      bump(id, 'queued', now)
      requeued[#requeued + 1] = read(id)
    end
  end
  return requeued
end
