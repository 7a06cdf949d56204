-- commit: turn a hold into a charge and a receipt, exactly once. Charges ARGV[3] (<= held amount) to the balance; the
-- rest of the hold is spendable again. Appends the receipt to the stream; counts usage per UTC day and model.
-- KEYS[1] hold  KEYS[2] hold expiry index  KEYS[3] balance  KEYS[4] receipt stream  KEYS[5] usage hash
-- KEYS[6] journal stream  KEYS[7] held hash
-- ARGV[1] request id  ARGV[2] account  ARGV[3] price  ARGV[4] model  ARGV[5] manifest cid  ARGV[6] worker
-- ARGV[7] payout address  ARGV[8] retention ms of the finished hold
-- Optional, to complete an Idempotency-Key claim in the same step (see idempotency_finish.lua):
-- KEYS[8] idempotency record  ARGV[9] claim token  ARGV[10] response JSON (charged and receipt are set here)
-- ARGV[11] replay ttl ms. A claim that is not ARGV[9]'s in progress is left alone; the commit happens either way.
-- -> {'committed', receipt id, price, completion} (also on a repeat) | {'released', completion} | {'unknown'}
--    completion: 'stored' | 'lost' | '' (none asked)
-- Durable, unlike the hold it ends (ledger.lua): the charge, the receipt, the usage, the journal entry and the whole
-- committed hold record go to the AOF as one block, so a repeat after a restart still finds the receipt. A hold lost
-- to a restart is {'unknown'}: nothing is charged.
local response = nil
if #KEYS >= 8 then
  local ok, decoded = pcall(cjson.decode, ARGV[10])
  if not ok or type(decoded) ~= 'table' then return redis.error_reply('IM_INVALID response is not a JSON object') end
  response = decoded
end
-- stores the answer under the claim, charged `charged` with `receipt` ('' for none)
local function complete(receipt, charged)
  if not response then return '' end
  local c = redis.call('HMGET', KEYS[8], 'state', 'token')
  if c[1] ~= 'in_progress' or c[2] ~= ARGV[9] then return 'lost' end
  response['charged'] = charged
  if receipt ~= '' then response['receipt'] = receipt else response['receipt'] = nil end
  redis.call('HSET', KEYS[8], 'state', 'done', 'response', cjson.encode(response))
  redis.call('PEXPIRE', KEYS[8], ARGV[11])
  return 'stored'
end
local h = redis.call('HMGET', KEYS[1], 'account', 'amount', 'state', 'receipt', 'charged')
if not h[1] then return {'unknown'} end
if h[1] ~= ARGV[2] then return redis.error_reply('IM_CONFLICT hold belongs to another account') end
if h[3] == 'committed' then return {'committed', h[4], h[5], complete(h[4], h[5])} end
if h[3] == 'released' then return {'released', complete('', '0')} end
local price = ARGV[3]
if not big_valid(price) then return redis.error_reply('IM_INVALID price') end
if big_cmp(price, h[2]) > 0 then return redis.error_reply('IM_INVALID price above the held amount') end
local refund = big_sub(h[2], price)
local owned = redis.call('GET', KEYS[3]) or '0'
if big_cmp(owned, price) < 0 then return redis.error_reply('IM_INVALID balance below the price') end
owned = big_sub(owned, price)
local now = now_ms()
local day = int_str(math.floor(now / 86400000))
local wf = day .. '|wei|' .. ARGV[4]
local spent = big_add(redis.call('HGET', KEYS[5], wf) or '0', price)
-- writes from here on; nothing below can fail
local id = redis.call('XADD', KEYS[4], '*', 'request', ARGV[1], 'account', ARGV[2], 'model', ARGV[4],
  'manifest', ARGV[5], 'worker', ARGV[6], 'payout', ARGV[7], 'price', price, 'at', int_str(now))
if price ~= '0' then redis.call('SET', KEYS[3], owned) end
redis.call('HDEL', KEYS[7], ARGV[1])
redis.call('HSET', KEYS[1], 'account', ARGV[2], 'amount', h[2], 'state', 'committed', 'receipt', id, 'charged', price,
  'finished_at', int_str(now))
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[5], day .. '|calls|' .. ARGV[4], 1)
redis.call('HSET', KEYS[5], wf, spent)
redis.call('XADD', KEYS[6], '*', 'op', 'commit', 'ref', ARGV[1], 'amount', price, 'receipt', id, 'refund', refund,
  'balance', spendable(KEYS[3], KEYS[7]))
return {'committed', id, price, complete(id, price)}
