-- idempotency_finish: the claim holder stores the first response (ARGV[2] non-empty) or gives the key up.
-- KEYS[1] idempotency record
-- ARGV[1] claim token  ARGV[2] response ('' = abandon: delete the claim so a retry runs again)  ARGV[3] ttl ms
-- -> {'stored'} | {'abandoned'} | {'lost'} (no longer this token's claim: expired, or finished)
local h = redis.call('HMGET', KEYS[1], 'state', 'token')
if h[1] ~= 'in_progress' or h[2] ~= ARGV[1] then return {'lost'} end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  return {'abandoned'}
end
redis.call('HSET', KEYS[1], 'state', 'done', 'response', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {'stored'}
