-- wrk script of the HTTP benchmark (bench/http.py).
--
--   CRM_WRK_MODE=get    GET the URL as given (wrk's prebuilt request).
--   CRM_WRK_MODE=create POST a lead whose email is unique per request:
--                       the run tag (CRM_WRK_RUN), the wrk thread and a
--                       per-thread counter.
--   CRM_WRK_MODE=case   POST a support case whose subject and sender are
--                       unique per request, the same way.
--
-- done() prints one line "CRM_WRK_JSON {...}" with the counts and the
-- latency percentiles (microseconds) for bench/wrk.py to read.

local mode = os.getenv("CRM_WRK_MODE") or "get"
local run_tag = os.getenv("CRM_WRK_RUN") or "run"
local threads_started = 0

function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_number", threads_started)
end

if mode == "create" then
  local sent = 0
  local template = '{"first_name":"Bench","last_name":"W%d-%d","email":"w%d-%d-%s@bench.test",'
    .. '"company":"Bench %d GmbH","title":"Head of Operations","country":"DE"}'

  function init(args)
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end

  function request()
    sent = sent + 1
    local body = string.format(template, thread_number, sent, thread_number, sent, run_tag, sent % 97)
    return wrk.format(nil, nil, nil, body)
  end
end

if mode == "case" then
  local sent = 0
  local template = '{"subject":"Printer W%d-%d stops after one page (%s)","priority":"normal",'
    .. '"channel":"web","description":"Error 0x42 after the first page.",'
    .. '"contact_email":"w%d-%d-%s@bench.test","contact_name":"Bench Customer"}'

  function init(args)
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end

  function request()
    sent = sent + 1
    local body = string.format(template, thread_number, sent, run_tag, thread_number, sent, run_tag)
    return wrk.format(nil, nil, nil, body)
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'CRM_WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
