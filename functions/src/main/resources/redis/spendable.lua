-- spendable: what an account may spend now, its balance minus its holds in flight (ledger.lua).
-- KEYS[1] balance  KEYS[2] held hash  -> {wei (decimal string)}
return {spendable(KEYS[1], KEYS[2])}
