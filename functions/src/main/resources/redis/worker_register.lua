-- worker_register: record a worker under its pool; a worker id owned by another pool is refused.
-- KEYS[1] worker hash  KEYS[2] worker id set
-- ARGV[1] worker id  ARGV[2] pool  ARGV[3] target  ARGV[4] lease token hash  ARGV[5] registered at (ISO-8601)
-- ARGV[6] the signed registration JSON  ARGV[7] its signature (kept as proof)
-- -> {'registered'} | {'taken'}
local pool = redis.call('HGET', KEYS[1], 'pool')
if pool and pool ~= ARGV[2] then return {'taken'} end
redis.call('HSET', KEYS[1], 'pool', ARGV[2], 'target', ARGV[3], 'token_hash', ARGV[4], 'registered_at', ARGV[5],
  'registration', ARGV[6], 'signature', ARGV[7])
redis.call('SADD', KEYS[2], ARGV[1])
return {'registered'}
