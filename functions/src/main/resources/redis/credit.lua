-- credit: add ARGV[2] wei to an account once per credit id.
-- KEYS[1] balance  KEYS[2] credits hash (id -> amount)  KEYS[3] journal stream  KEYS[4] held hash
-- ARGV[1] credit id  ARGV[2] amount  ARGV[3] reason
-- -> {'credited', spendable} | {'duplicate', first amount, spendable}
local amount = ARGV[2]
if not big_valid(amount) then return redis.error_reply('IM_INVALID amount') end
local first = redis.call('HGET', KEYS[2], ARGV[1])
if first then return {'duplicate', first, spendable(KEYS[1], KEYS[4])} end
local owned = big_add(redis.call('GET', KEYS[1]) or '0', amount)
if not big_fits(owned) then return redis.error_reply('IM_INVALID balance would exceed 2^256-1 wei') end
redis.call('SET', KEYS[1], owned)
redis.call('HSET', KEYS[2], ARGV[1], amount)
local nb = spendable(KEYS[1], KEYS[4])
redis.call('XADD', KEYS[3], '*', 'op', 'credit', 'ref', ARGV[1], 'amount', amount, 'reason', ARGV[3], 'balance', nb)
return {'credited', nb}
