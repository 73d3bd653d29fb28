-- Joins a rank to its job's group, atomically. Keys live under ARGV[1] (the job's prefix):
--   group                 hash: instance, size, digest, transport, state, joined, failure
--   <instance>:members    hash: rank -> listening address ('' when Redis carries the messages)
--   <instance>:who        hash: rank -> 'NONCE|pid N on HOST' of the process holding it
--   <instance>:seat       hash: 'NONCE|…' -> rank, so a join repeated after a lost reply is harmless
--   <instance>:alive      sorted set: rank -> end of its heartbeat lease (server time, ms)
--   <instance>:came       set: every rank that ever joined, for naming those that never did
--   <instance>:hosts      hash: listening IP -> ranks there (so receivers know when not to spin)
--   <instance>:events     list: 'lost:R' and 'left:R', once the group is complete
--   <instance>:next       counter for ranks assigned on request (rank -1)
--   <instance>:go:<rank>  list: 'G' once the group is complete, 'F' once it failed
--   <instance>:in:<rank>  list: the rank's inbox, when Redis carries the messages
-- A fresh instance id per group keeps a later job of the same name apart from an earlier one.
-- KEYS[1]: the group hash.
-- ARGV: prefix, rank (-1 = assign one), size, token digest, transport, address, who,
--       fresh instance id, lease ms, ttl ms.
-- Returns {'ok', rank, instance}, {'fail', message} for a conflict every rank hears of, or
-- {'busy', message} when a running job already has the name.
if redis.replicate_commands then redis.replicate_commands() end

local group = KEYS[1]
local prefix = ARGV[1]
local rank = tonumber(ARGV[2])
local size = tonumber(ARGV[3])
local digest, transport, address, who = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local fresh, lease, ttl = ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function key(inst, name) return prefix .. inst .. ':' .. name end
local function describe(w) return (w and string.match(w, '^[^|]*|(.*)$')) or 'an unknown process' end
local function hostOf(a) return a and string.match(a, '^(.*):%d+$') end

local inst = redis.call('HGET', group, 'instance')
if inst then
  local mine = redis.call('HGET', key(inst, 'seat'), who)
  if mine then
    return {'ok', tonumber(mine), inst} -- this very join already succeeded; its reply was lost
  end
  if redis.call('ZCOUNT', key(inst, 'alive'), now, '+inf') == 0 then
    -- nobody of that group is alive: a crashed or abandoned job of the same name
    local n = tonumber(redis.call('HGET', group, 'size'))
    redis.call('DEL', group, key(inst, 'members'), key(inst, 'who'), key(inst, 'seat'),
      key(inst, 'alive'), key(inst, 'came'), key(inst, 'hosts'), key(inst, 'events'),
      key(inst, 'next'))
    for i = 0, n - 1 do redis.call('DEL', key(inst, 'go:' .. i), key(inst, 'in:' .. i)) end
    inst = false
  end
end

local function failAll(message)
  local n = tonumber(redis.call('HGET', group, 'size'))
  redis.call('HSET', group, 'state', 'failed', 'failure', message)
  for i = 0, n - 1 do
    local go = key(inst, 'go:' .. i)
    redis.call('RPUSH', go, 'F')
    redis.call('PEXPIRE', go, ttl)
  end
  return {'fail', message}
end

local me = (rank >= 0 and ('rank ' .. rank) or 'a rank asking for any rank') .. ' ('
  .. describe(who) .. ')'

if not inst then
  inst = fresh
  redis.call('HSET', group, 'instance', inst, 'size', size, 'digest', digest,
    'transport', transport, 'state', 'gathering', 'joined', 0)
else
  local state = redis.call('HGET', group, 'state')
  if state == 'failed' then
    return {'fail', redis.call('HGET', group, 'failure')}
  end
  local theirs = tonumber(redis.call('HGET', group, 'size'))
  local problem
  if theirs ~= size then
    problem = me .. ' asks for size ' .. size .. ' but the ranks already there use size ' .. theirs
  elseif redis.call('HGET', group, 'digest') ~= digest then
    problem = me .. ' presents a different token than the ranks already there'
  elseif redis.call('HGET', group, 'transport') ~= transport then
    problem = me .. ' uses transport=' .. transport .. ' but the ranks already there use transport='
      .. redis.call('HGET', group, 'transport')
  end
  if state == 'formed' then
    return {'busy', 'a job of this name is already running with its ' .. theirs .. ' ranks'}
  end
  if problem then
    return failAll(problem)
  end
end

local members, whos, seats, alive =
  key(inst, 'members'), key(inst, 'who'), key(inst, 'seat'), key(inst, 'alive')
local takeover = false
if rank < 0 then
  local r = redis.call('INCR', key(inst, 'next')) - 1
  if r >= size or redis.call('HSETNX', members, r, address) == 0 then
    -- the counter ran past a seat given back, or into an explicit claim: take the first free seat
    r = -1
    for i = 0, size - 1 do
      if redis.call('HSETNX', members, i, address) == 1 then r = i; break end
    end
    if r < 0 then
      return failAll(me .. ' found all ' .. size .. ' ranks taken: more processes than size='
        .. size .. ' were started')
    end
  end
  rank = r
elseif redis.call('HSETNX', members, rank, address) == 0 then
  local leaseEnd = redis.call('ZSCORE', alive, rank)
  if leaseEnd and tonumber(leaseEnd) >= now then
    return failAll('rank ' .. rank .. ' is claimed twice: by '
      .. describe(redis.call('HGET', whos, rank)) .. ' and by ' .. describe(who))
  end
  -- the earlier claimant died before the group was complete: this process takes its place
  local earlier = redis.call('HGET', whos, rank)
  if earlier then redis.call('HDEL', seats, earlier) end
  local earlierHost = hostOf(redis.call('HGET', members, rank))
  if earlierHost then redis.call('HINCRBY', key(inst, 'hosts'), earlierHost, -1) end
  redis.call('HSET', members, rank, address)
  takeover = true
end

redis.call('HSET', whos, rank, who)
redis.call('HSET', seats, who, rank)
local host = hostOf(address)
if host then redis.call('HINCRBY', key(inst, 'hosts'), host, 1) end
redis.call('ZADD', alive, now + lease, rank)
redis.call('SADD', key(inst, 'came'), rank)
local joined
if takeover then
  joined = tonumber(redis.call('HGET', group, 'joined'))
else
  joined = redis.call('HINCRBY', group, 'joined', 1)
end
if joined == size and not takeover then
  redis.call('HSET', group, 'state', 'formed')
  for i = 0, size - 1 do
    local go = key(inst, 'go:' .. i)
    redis.call('RPUSH', go, 'G')
    redis.call('PEXPIRE', go, ttl)
  end
end
for _, k in ipairs({group, members, whos, seats, alive, key(inst, 'came'), key(inst, 'hosts'),
    key(inst, 'next')}) do
  redis.call('PEXPIRE', k, ttl)
end
return {'ok', rank, inst}
