-- wrk script of bench/serve.sh: every request POSTs the JSON body of the file $BODY_FILE;
-- done() prints one line `RESULT {json}` with the latency percentiles (µs, from wrk's
-- histogram of every request), the throughput and the errors, for serve_bench.py to parse.

local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.6f, "rps": %.1f, "p50_us": %d, "p99_us": %d, '
      .. '"p999_us": %d, "max_us": %d, "mean_us": %.1f, "non2xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
