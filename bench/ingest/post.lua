-- wrk script: POST a distinct application per request (unique
-- board_application_id per thread and counter), so ingest does the full
-- path every time: validation, idempotency row, produce, commit.
-- BENCH_DOCUMENTS=0 leaves out the one small CV (the ingest scenario's
-- "small JSON, no document").
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local counter = 0
local non202 = 0
local body_fmt = '{"board":"stepstone_de","board_application_id":"bench-%s-%d-%d",' ..
  '"account_id":"%s","posting_id":"%s",' ..
  '"candidate":{"first_name":"Zo\\u00eb","last_name":"M\\u00fcller","email":"zoe@example.org",' ..
  '"phone":"+49 30 1234567","location":"Berlin","links":["https://example.org/zoe"]},' ..
  '"answers":[{"question_id":"q-years","value":"7"},{"question_id":"q-langs","values":["de","en"]}],' ..
  '"consent":{"privacy_policy_accepted":true,"accepted_at":"2026-11-24T10:00:00Z"}' ..
  (os.getenv("BENCH_DOCUMENTS") == "0" and '}' or
   ',"documents":[{"kind":"cv","filename":"cv.pdf","content_type":"application/pdf",' ..
   '"content_base64":"JVBERi0xLjQKJSVFT0YK"}]}')
local run_id = os.getenv("BENCH_RUN") or "0"
local account = os.getenv("BENCH_ACCOUNT") or "demo-lever"
local posting = os.getenv("BENCH_POSTING") or "demo-lever-posting"

function request()
  counter = counter + 1
  local body = string.format(body_fmt, run_id, tid, counter, account, posting)
  return wrk.format("POST", "/v1/applications",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer dev-stepstone-key"}, body)
end

function response(status, headers, body)
  if status ~= 202 then non202 = non202 + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non202") or 0) end
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f non202=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, bad + summary.errors.timeout))
end
