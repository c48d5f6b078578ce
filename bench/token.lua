-- Each request redeems the next unused code (client_secret_basic + PKCE).
local codes = {}
for line in io.lines(os.getenv("CODES_FILE")) do codes[#codes + 1] = line end
local threads = {}
local next_index = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  failed = 0
  i = id  -- threads interleave: thread k takes codes k, k+T, k+2T, ...
end

request = function()
  i = i + 2
  local code = codes[i] or "exhausted"
  local body = "grant_type=authorization_code&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback"
    .. "&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&code=" .. code
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic ZGVtby1ycDpkZW1vLXJwLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVmMDEyMw==",
  }, body)
end

response = function(status)
  if status == 200 then ok = ok + 1 else failed = failed + 1 end
end

function done()
  local total_ok, total_failed = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_failed = total_failed + t:get("failed")
  end
  io.write(string.format("ok: %d\nnot-ok: %d\n", total_ok, total_failed))
end
