-- Exact arithmetic on non-negative integers written as decimal strings (amounts in wei, up to 2^256-1).
-- Redis Lua numbers are doubles (exact only to 2^53 ~ 0.009 ETH in wei), so money never becomes a Lua number.
-- Canonical form: "0" or digits without a leading zero, at most 78 digits.
local BIG_MAX = '115792089237316195423570985008687907853269984665640564039457584007913129639935'

local function big_valid(s)
  if type(s) ~= 'string' or #s > 78 then return false end
  if s == '0' then return true end
  return string.match(s, '^[1-9][0-9]*$') ~= nil
end

local function big_cmp(a, b)
  if #a ~= #b then return (#a < #b) and -1 or 1 end
  if a == b then return 0 end
  return (a < b) and -1 or 1
end

local function big_add(a, b)
  local out, carry, i, j = {}, 0, #a, #b
  while i > 0 or j > 0 or carry > 0 do
    local s = carry
    if i > 0 then s = s + string.byte(a, i) - 48 end
    if j > 0 then s = s + string.byte(b, j) - 48 end
    out[#out + 1] = string.char(48 + s % 10)
    carry = (s >= 10) and 1 or 0
    i, j = i - 1, j - 1
  end
  return string.reverse(table.concat(out))
end

-- Scripts compute every new value and check it with big_fits before their first write: Redis does not roll a
-- script back, so an error after a write would leave half a money move behind.
local function big_fits(s)
  return big_cmp(s, BIG_MAX) <= 0
end

-- a - b, requires a >= b
local function big_sub(a, b)
  local out, borrow, i, j = {}, 0, #a, #b
  while i > 0 do
    local d = string.byte(a, i) - 48 - borrow
    if j > 0 then d = d - (string.byte(b, j) - 48) end
    if d < 0 then d, borrow = d + 10, 1 else borrow = 0 end
    out[#out + 1] = string.char(48 + d)
    i, j = i - 1, j - 1
  end
  local r = (string.gsub(string.reverse(table.concat(out)), '^0+', ''))
  if r == '' then return '0' end
  return r
end

-- Redis server time in milliseconds since the epoch, as an integer-valued Lua number (13 digits, exact).
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function int_str(x)
  return string.format('%.0f', x)
end
