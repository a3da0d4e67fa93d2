-- wrk script for bench/checkin_throughput.py: POST /api/v1/checkins, one fresh worker
-- token per request (each worker may have only one open check-in).
-- Arguments after "--": tokens_file nthreads body_file [path]
-- Thread k (0-based) takes tokens k+1, k+1+T, k+1+2T, ...; if the list runs out the
-- index wraps around and the wrap is counted (those requests will answer 409 and are
-- reported as errors, never hidden).

local counter = 0
local threads = {}

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   tokens = {}
   for line in io.lines(args[1]) do
      if #line > 0 then tokens[#tokens + 1] = line end
   end
   step = tonumber(args[2])
   idx = tid + 1
   local f = assert(io.open(args[3], "r"))
   body = f:read("*a")
   f:close()
   path = args[4] or "/api/v1/checkins"
   wrapped = 0
   non201 = 0
   statuses = ""
   seen = {}
end

function request()
   local t = tokens[idx]
   idx = idx + step
   if idx > #tokens then
      idx = ((idx - 1) % #tokens) + 1
      wrapped = wrapped + 1
   end
   return wrk.format("POST", path,
      {["Authorization"] = "Bearer " .. t, ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, resp_body)
   if status ~= 201 then
      non201 = non201 + 1
      seen[status] = (seen[status] or 0) + 1
      local parts = {}
      for k, v in pairs(seen) do parts[#parts + 1] = k .. ":" .. v end
      statuses = table.concat(parts, ",")
   end
end

function done(summary, latency, requests)
   local n201, wraps, st = 0, 0, {}
   for _, thread in ipairs(threads) do
      n201 = n201 + thread:get("non201")
      wraps = wraps + thread:get("wrapped")
      local s = thread:get("statuses")
      if s ~= nil and #s > 0 then st[#st + 1] = s end
   end
   local e = summary.errors
   io.write(string.format(
      "BENCHJSON {\"requests\":%d,\"duration_us\":%d,\"non201\":%d,\"wrapped\":%d," ..
      "\"statuses\":\"%s\",\"connect\":%d,\"read\":%d,\"write\":%d,\"timeout\":%d," ..
      "\"p50_us\":%d,\"p95_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"mean_us\":%.1f}\n",
      summary.requests, summary.duration, n201, wraps, table.concat(st, ";"),
      e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(95), latency:percentile(99),
      latency.max, latency.mean))
end
