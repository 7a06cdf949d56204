-- idempotency_claim: the first call with an Idempotency-Key claims it; later ones see its state.
-- KEYS[1] idempotency record
-- ARGV[1] request body hash  ARGV[2] claim token  ARGV[3] in-progress ttl ms
-- -> {'claimed'} | {'conflict'} (other body) | {'in_progress'} | {'done', response}
local h = redis.call('HMGET', KEYS[1], 'state', 'body', 'response')
if not h[1] then
  redis.call('HSET', KEYS[1], 'state', 'in_progress', 'body', ARGV[1], 'token', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'claimed'}
end
if h[2] ~= ARGV[1] then return {'conflict'} end
if h[1] == 'in_progress' then return {'in_progress'} end
return {'done', h[3]}
