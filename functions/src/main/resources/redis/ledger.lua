-- An account's money in two parts (RedisLedger). KEYS balance: what the account owns, credits minus charges; written
-- only by credit and commit, durably. KEYS held: request id -> wei of each hold in flight; soft state, written outside
-- the AOF and replication by reserve and release (commit's removal of its own hold is durable and harmless). What the
-- account may spend is owned minus held. After a restart the held hash is gone or as old as the last AOF rewrite;
-- a leftover hold in it is one the sweeper returns when it expires.
local function held_total(held_key)
  local total = '0'
  for _, amount in ipairs(redis.call('HVALS', held_key)) do total = big_add(total, amount) end
  return total
end

local function spendable(balance_key, held_key)
  local owned = redis.call('GET', balance_key) or '0'
  local held = held_total(held_key)
  if big_cmp(owned, held) <= 0 then return '0' end
  return big_sub(owned, held)
end
