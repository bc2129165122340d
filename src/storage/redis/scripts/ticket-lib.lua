-- Shared helpers of the ticket store scripts; prepended to each of them when they are loaded.
--
-- KEYS[1] is always the queue's key prefix, "<prefix>:{<queue>}:". Every key a store script touches
-- starts with it, so all of them share the queue's hash slot (Redis Cluster safe). Keys derived here:
--   P .. "t:" .. id           ticket hash: doc (JSON, immutable), state, version, updatedAt,
--                             createdAt, expiresAt, matchId, assignment (JSON), idem (digest)
--   P .. "queued"             sorted set of queued ticket ids by createdAt
--   P .. "expiry"             sorted set of queued ticket ids by expiresAt
--   P .. "allocating"         sorted set of allocating ticket ids by claim time
--   P .. "changes"            stream: every addition to and removal from "queued", in order, one
--                             entry per script call (ids 0-<seq>, field "changes": one line each,
--                             "+<createdAt>:<id>" or "-<id>"; field "at": the server time)
--   P .. "changes:head"       hash: seq (the last entry's number), epoch (when numbering began)
--   P .. "unannounced"        hash: id -> the number of the opening (begin-pass) that last handed
--                             out the ticket it reclaimed or expired, until its caller acknowledges
--                             that opening's answer (see begin-pass.lua)
--   P .. "player:" .. userId  the player's live ticket id
--   P .. "idem:" .. digest    idempotency record: fingerprint, ticket
--   P .. "fence"              the queue's current matching-lease fencing token
local P = KEYS[1]
local QUEUED = P .. 'queued'
local EXPIRY = P .. 'expiry'
local ALLOCATING = P .. 'allocating'
local CHANGES = P .. 'changes'
local CHANGES_HEAD = P .. 'changes:head'
local UNANNOUNCED = P .. 'unannounced'
-- About how many entries the log keeps at most (trimmed by whole nodes, so a few more): the lease
-- holder trims what it has read every pass, so this bounds a log nobody reads, or one whose reader
-- fell far behind (it lists the queue whole instead).
local CHANGES_KEPT = 100000
-- A queue left alone this long forgets its log (the next change begins a new epoch). The TTL is
-- set again every so many entries, not on each: a quiet queue may forget its log a little earlier,
-- which costs its lease holder one whole listing.
local CHANGES_TTL_MS = 3600000
local ENTRIES_PER_TTL = 256

-- This script's changes to QUEUED so far, one line each: "+<createdAt>:<id>" or "-<id>".
local queued_changes = {}

-- Every change to QUEUED goes through these two, so that the change log misses none.
local function add_queued(id, created_at)
  if redis.call('ZADD', QUEUED, created_at, id) == 1 then
    queued_changes[#queued_changes + 1] = '+' .. created_at .. ':' .. id
  end
end

local function remove_queued(id)
  if redis.call('ZREM', QUEUED, id) == 1 then
    queued_changes[#queued_changes + 1] = '-' .. id
  end
end

-- Logs the script's changes to QUEUED, if any, as one entry of the queue's change log (so a claim
-- of 64 matches costs one entry, not 128), for the instance running the queue's passes: it keeps a
-- copy of the listing and reads only the entries since its last pass. Entries are numbered without
-- gaps (ids 0-<seq>); the epoch tells a log begun afresh (its keys lost or deleted) from the one
-- that copy follows. Every store script runs this when it ends (see redis-scripts.ts).
local function log_queued_changes()
  if #queued_changes == 0 then
    return
  end
  local seq = redis.call('HINCRBY', CHANGES_HEAD, 'seq', 1)
  -- The time tells this entry from one a failover lost whose number and changes a retried call
  -- logs again (a player cancelling the same ticket twice): the reader recognises the entry it saw
  -- last by both. The first entry's also names the log's epoch.
  local time = redis.call('TIME')
  local logged_at = time[1] .. '.' .. time[2]
  if seq == 1 then
    redis.call('HSET', CHANGES_HEAD, 'epoch', logged_at)
    -- A head lost on its own (an eviction) leaves a log whose entries this numbering would
    -- collide with: XADD refuses ids below the last one, which would fail every change to the queue.
    redis.call('DEL', CHANGES)
  end
  redis.call('XADD', CHANGES, 'MAXLEN', '~', CHANGES_KEPT, '0-' .. seq, 'changes', table.concat(queued_changes, '\n'), 'at', logged_at)
  if seq % ENTRIES_PER_TTL == 1 then
    redis.call('PEXPIRE', CHANGES_HEAD, CHANGES_TTL_MS)
    redis.call('PEXPIRE', CHANGES, CHANGES_TTL_MS)
  end
  queued_changes = {}
end

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
  add_queued(id, times[1])
  redis.call('ZADD', EXPIRY, times[2], id)
  redis.call('ZREM', ALLOCATING, id)
  redis.call('HDEL', key, 'matchId')
end

-- Off the market for a match: no longer queued, allocating since `now`.
local function index_allocating(id, match_id, now)
  remove_queued(id)
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
  remove_queued(id)
  redis.call('ZREM', EXPIRY, id)
  redis.call('ZREM', ALLOCATING, id)
  -- A document that cannot be read (damaged, or written by something else) must not fail the
  -- script: that would leave every other change of the call unannounced. Its players' live-ticket
  -- keys then end with their own safety TTL.
  local readable, doc = pcall(cjson.decode, redis.call('HGET', key, 'doc') or '')
  if readable and type(doc) == 'table' and type(doc.players) == 'table' then
    for _, player in ipairs(doc.players) do
      if type(player) == 'table' and type(player.userId) == 'string' then
        local player_key = P .. 'player:' .. player.userId
        if redis.call('GET', player_key) == id then
          redis.call('DEL', player_key)
        end
      end
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
