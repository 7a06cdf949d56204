-- spendable: what an account may spend now, its balance minus its holds in flight, and what those hold (ledger.lua).
-- KEYS[1] balance  KEYS[2] held hash  -> {spendable wei, held wei} (decimal strings)
local held = held_total(KEYS[2])
return {spendable_given(KEYS[1], held), held}
