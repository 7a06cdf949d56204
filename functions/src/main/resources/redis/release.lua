-- release: return a hold to the spendable balance, exactly once.
-- KEYS[1] hold  KEYS[2] hold expiry index  KEYS[3] balance  KEYS[4] journal stream  KEYS[5] held hash
-- ARGV[1] request id  ARGV[2] account  ARGV[3] retention ms of the finished hold
-- ARGV[4] '1' = only if expired by Redis time (the sweeper), '0' = now
-- -> {'released', amount, 'first'|'again'} | {'committed', receipt id} | {'not_expired'} | {'unknown'}
-- Soft state, like reserve (ledger.lua): the balance it returns to was never lowered on disk.
redis.set_repl(redis.REPL_NONE)
local h = redis.call('HMGET', KEYS[1], 'account', 'amount', 'state', 'expires_at', 'receipt')
if not h[1] then return {'unknown'} end
if h[1] ~= ARGV[2] then return redis.error_reply('IM_CONFLICT hold belongs to another account') end
if h[3] == 'committed' then return {'committed', h[5]} end
if h[3] == 'released' then return {'released', h[2], 'again'} end
local now = now_ms()
if ARGV[4] == '1' and tonumber(h[4]) > now then return {'not_expired'} end
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HSET', KEYS[1], 'state', 'released', 'finished_at', int_str(now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('XADD', KEYS[4], '*', 'op', ARGV[4] == '1' and 'expire' or 'release', 'ref', ARGV[1], 'amount', h[2],
  'balance', spendable(KEYS[3], KEYS[5]))
return {'released', h[2], 'first'}
