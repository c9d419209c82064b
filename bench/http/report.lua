-- Shared by the bench/http wrk scripts (loaded with dofile): prints one
-- machine-readable line after wrk's own report.
--   RESULT requests=N duration_s=S rps=R p50_ms=... p95_ms=... p99_ms=...
--          p999_ms=... max_ms=... non2xx=N socket_errors=N
-- wrk's --latency table has no p95, hence this.
function done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   local ms = function(p) return latency:percentile(p) / 1000 end
   io.write(string.format(
      "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f non2xx=%d socket_errors=%d\n",
      summary.requests, secs, summary.requests / secs,
      ms(50), ms(95), ms(99), ms(99.9), latency.max / 1000,
      e.status, e.connect + e.read + e.write + e.timeout))
end
