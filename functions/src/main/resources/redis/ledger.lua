-- An account's money in two parts (RedisLedger). KEYS balance: what the account owns, credits minus charges; written
-- only by credit and commit, durably. KEYS held: request id -> wei of each hold in flight; soft state, written outside
-- the AOF and replication by reserve and release (commit's removal of its own hold is durable and harmless). What the
-- account may spend is owned minus held. After a restart the held hash is gone or as old as the last AOF rewrite;
-- a leftover hold in it is one the sweeper returns when it expires.
-- Amounts of up to 15 digits (< 10^15 wei, 0.001 ETH: every price so far) are summed as Lua numbers, exact while the
-- sum stays below 2^53; the sum moves to exact decimal strings before it could pass that. Longer amounts go there
-- directly. So a reserve costs microseconds however many calls of one account are in flight.
local function held_total(held_key)
  local small, total = 0, '0'
  for _, amount in ipairs(redis.call('HVALS', held_key)) do
    if #amount <= 15 then
      small = small + tonumber(amount)
      if small >= 4e15 then
        total = big_add(total, int_str(small))
        small = 0
      end
    else
      total = big_add(total, amount)
    end
  end
  if small > 0 then total = big_add(total, int_str(small)) end
  return total
end

local function spendable_given(balance_key, held)
  local owned = redis.call('GET', balance_key) or '0'
  if big_cmp(owned, held) <= 0 then return '0' end
  return big_sub(owned, held)
end

local function spendable(balance_key, held_key)
  return spendable_given(balance_key, held_total(held_key))
end
