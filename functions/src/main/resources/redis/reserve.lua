-- reserve: hold ARGV[3] wei of the spendable balance for one request; never below zero.
-- KEYS[1] balance  KEYS[2] hold hash  KEYS[3] hold expiry index (zset)  KEYS[4] journal stream  KEYS[5] held hash
-- ARGV[1] account  ARGV[2] request id  ARGV[3] amount  ARGV[4] ttl ms
-- -> {'reserved', expires_at_ms, spendable} | {'insufficient', spendable}
-- A repeat with the same account and amount while the hold is still held returns the same hold (no second debit).
-- Soft state (ledger.lua): nothing here goes to the AOF or to replicas, so a hold costs no fsync. A hold lost to a
-- restart charged nothing; the commit of a lost hold finds no hold and charges nothing.
redis.set_repl(redis.REPL_NONE)
local amount = ARGV[3]
if not big_valid(amount) then return redis.error_reply('IM_INVALID amount') end
local h = redis.call('HMGET', KEYS[2], 'account', 'amount', 'state', 'expires_at')
if h[1] then
  if h[1] == ARGV[1] and h[2] == amount and h[3] == 'held' then
    return {'reserved', h[4], spendable(KEYS[1], KEYS[5])}
  end
  return redis.error_reply('IM_CONFLICT request id already used for another hold')
end
local bal = spendable(KEYS[1], KEYS[5])
if big_cmp(bal, amount) < 0 then return {'insufficient', bal} end
local nb = big_sub(bal, amount)
local now = now_ms()
local exp = int_str(now + tonumber(ARGV[4]))
redis.call('HSET', KEYS[5], ARGV[2], amount)
redis.call('HSET', KEYS[2], 'account', ARGV[1], 'amount', amount, 'state', 'held', 'expires_at', exp,
  'reserved_at', int_str(now))
redis.call('ZADD', KEYS[3], exp, ARGV[2])
redis.call('XADD', KEYS[4], '*', 'op', 'reserve', 'ref', ARGV[2], 'amount', amount, 'balance', nb)
return {'reserved', exp, nb}
