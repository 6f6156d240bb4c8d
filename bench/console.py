"""The web console in headless Chromium over many leads (seeded straight
into the leads schema with COPY): how long the lead list and a lead's page
take to be usable, and how many bytes a browser downloads for its first page.

- Time: from the navigation's start (the page's ``performance`` time origin)
  to the first animation frame that shows the list's first row, or the
  lead's name as the page's heading: a full page load each time (the
  document, the app's scripts, the session and the page's API answers),
  once with the browser's cache warm (a person coming back; the hashed
  assets are cached for a year) and once with an empty cache (a first visit).
- Bytes: the Resource Timing API of that first visit, per kind: the
  document, the app's assets (scripts and stylesheets) and the API answers,
  as they came over the wire (encodedBodySize, with the Content-Encoding
  the gateway chose) and unpacked (decodedBodySize).

Chromium is Debian's (tests/console/harness.py launches it the same way the
browser tests do); the person signs in through the real sign-in form once.
"""

import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.rows import dict_row

from bench.stats import latency_summary
from gateway import users
from services.leads.normalize import normalize_company
from tests.console import harness

SOURCES = ["web_form", "import", "campaign", "referral", "partner", "event", "manual", "other"]
STATUSES = ["new", "new", "new", "working", "working", "qualified", "disqualified"]
OWNERS = [f"rep{n:02d}" for n in range(1, 13)]
FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Margaret", "John", "Frances", "Niklaus", "Radia",
         "Tony", "Hedy", "Dennis", "Adele", "Ken", "Jean", "Sophie", "Linus", "Katherine"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Backus", "Allen", "Wirth",
        "Perlman", "Hoare", "Lamarr", "Ritchie", "Goldberg", "Thompson", "Sammet", "Wilson", "Torvalds", "Johnson"]
COLUMNS = ("id", "first_name", "last_name", "email", "email_norm", "company", "company_norm", "title", "country",
           "source", "status", "owner", "score", "scored_with", "created_at", "updated_at")
USERNAME = "bench-console"
FIRST_ROW = """() => {
    const row = document.querySelector('table.list tbody tr');
    return row && row.getClientRects().length > 0 ? performance.now() : false;
}"""
HEADING = """(name) => {
    const h1 = document.querySelector('main h1');
    return h1 && h1.textContent === name && h1.getClientRects().length > 0 ? performance.now() : false;
}"""
RESOURCES = """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
    .map(e => ({url: e.name, kind: e.entryType === 'navigation' ? 'navigation' : e.initiatorType,
                transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize}))"""


def _lead_rows(count, version, rng, now):
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = f"{last} {rng.choice(['Labs', 'Systems', 'Freight', 'Foods', 'Works'])} {n % 20_000}"
        email = f"{first.lower()}.{last.lower()}.{n}@leads.bench.test"
        created = now - timedelta(seconds=rng.randint(0, 2 * 365 * 24 * 3600))
        yield (uuid.UUID(int=rng.getrandbits(128), version=4), first, last, email, email, company,
               normalize_company(company), rng.choice(["CTO", "Engineer", "Buyer", "Head of IT", None]),
               rng.choice(["DE", "GB", "US", "FR", "NL"]), rng.choice(SOURCES), rng.choice(STATUSES),
               rng.choice(OWNERS), rng.randint(0, 100), version, created, created)


def seed_leads(database_url, count, random_seed=11):
    """``count`` leads written with COPY, scored with the rules in force (no background rescoring)."""
    started = time.perf_counter()
    rng = random.Random(random_seed)
    with psycopg.connect(database_url, options="-c search_path=leads,public") as conn:
        version = conn.execute("SELECT version FROM scoring_state").fetchone()[0]
        with conn.cursor().copy(f"COPY leads ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in _lead_rows(count, version, rng, datetime.now(UTC)):
                copy.write_row(row)
    with psycopg.connect(database_url, autocommit=True, options="-c search_path=leads,public") as conn:
        conn.execute("VACUUM (ANALYZE) leads")
    return {"leads": count, "seconds": round(time.perf_counter() - started, 1)}


def _sample_leads(database_url, count):
    with psycopg.connect(database_url, row_factory=dict_row, options="-c search_path=leads,public") as conn:
        return conn.execute("SELECT id, first_name, last_name FROM leads ORDER BY random() LIMIT %s",
                            (count,)).fetchall()


def _bench_user(database_url):
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row,
                         options="-c search_path=gateway,public") as conn:
        try:
            users.create_user(conn, USERNAME, "sales", "Bench Console", password=harness.PASSWORD)
        except users.Conflict:
            conn.execute("UPDATE users SET password_hash = %s, active = true WHERE username = %s",
                         (users.hash_password(harness.PASSWORD), USERNAME))


def _timed_load(page, url, script, arg=None):
    """ms from the navigation's start to the first frame where ``script`` sees the page ready."""
    page.goto(url, wait_until="commit")
    return page.wait_for_function(script, arg=arg, polling="raf", timeout=30_000).json_value()


def kind_of(entry):
    """document, asset or api for a Resource Timing entry of the console."""
    if entry["kind"] == "navigation":
        return "document"
    if "/api/" in entry["url"]:
        return "api"
    if "/console/assets/" in entry["url"]:
        return "asset"
    return "other"


def byte_summary(entries, encodings):
    """Bytes per kind (wire and unpacked) and the encodings the gateway chose per kind."""
    out = {}
    for entry in entries:
        kind = kind_of(entry)
        item = out.setdefault(kind, {"requests": 0, "transfer": 0, "encoded": 0, "decoded": 0, "encodings": []})
        item["requests"] += 1
        for key in ("transfer", "encoded", "decoded"):
            item[key] += int(entry[key] or 0)
        encoding = encodings.get(entry["url"].split("#")[0], "identity")
        if encoding not in item["encodings"]:
            item["encodings"].append(encoding)
    first_page = [out[kind] for kind in ("document", "asset") if kind in out]
    out["document_and_assets"] = {key: sum(item[key] for item in first_page)
                                  for key in ("requests", "transfer", "encoded", "decoded")}
    return out


def run(stack, leads=200_000, runs=20, warmup=3, progress=print):
    """Seeds ``leads`` leads, then times ``runs`` loads of each page (after ``warmup``)."""
    progress(f"seeding {leads:,} leads (COPY) ...")
    seeded = seed_leads(stack.database_url, leads)
    _bench_user(stack.database_url)
    sample = _sample_leads(stack.database_url, warmup + runs)
    list_url = f"{stack.url}/console/leads"
    playwright = harness.start_playwright()
    try:
        browser = harness.launch(playwright)
        context = harness.new_context(browser)
        page = context.new_page()
        harness.sign_in(page, stack.url, USERNAME)
        signed_in = context.storage_state()
        progress(f"lead list and lead pages in {browser.version} ...")

        def record_url(lead):
            return f"{stack.url}/console/leads/{lead['id']}"

        def name(lead):
            return f"{lead['first_name']} {lead['last_name']}"

        warm = {"lead_list": [], "lead_record": []}
        for index, lead in enumerate(sample):
            list_ms = _timed_load(page, list_url, FIRST_ROW)
            record_ms = _timed_load(page, record_url(lead), HEADING, name(lead))
            if index >= warmup:
                warm["lead_list"].append(list_ms / 1000)
                warm["lead_record"].append(record_ms / 1000)

        cold = {"lead_list": [], "lead_record": []}
        encodings, entries = {}, None
        for index, lead in enumerate(sample[:max(5, runs // 2)]):
            fresh = harness.new_context(browser, storage_state=signed_in)  # an empty cache
            first = fresh.new_page()
            if index == 0:
                first.on("response", lambda response: encodings.__setitem__(
                    response.url, response.headers.get("content-encoding", "identity")))
            cold["lead_list"].append(_timed_load(first, list_url, FIRST_ROW) / 1000)
            if index == 0:
                first.wait_for_load_state("networkidle")
                entries = first.evaluate(RESOURCES)
            fresh.close()
            other = harness.new_context(browser, storage_state=signed_in)
            cold["lead_record"].append(_timed_load(other.new_page(), record_url(lead), HEADING, name(lead)) / 1000)
            other.close()
        version = browser.version
        browser.close()
    finally:
        playwright.stop()
    return {
        "leads": leads, "seed": seeded, "chromium": version, "runs": runs, "cold_runs": len(cold["lead_list"]),
        "target_ms": 1000,
        "lead_list": {"warm_cache": latency_summary(warm["lead_list"]),
                      "empty_cache": latency_summary(cold["lead_list"])},
        "lead_record": {"warm_cache": latency_summary(warm["lead_record"]),
                        "empty_cache": latency_summary(cold["lead_record"])},
        "first_page_bytes": byte_summary(entries or [], encodings),
    }


def _kib(value):
    return f"{value / 1024:,.1f} KiB"


def rows(console):
    """(measure, value) rows for the benchmark table."""
    out = []
    for page, label in (("lead_list", "lead list (first row shown)"), ("lead_record", "lead page (name shown)")):
        for cache, words in (("warm_cache", "cached assets"), ("empty_cache", "empty cache")):
            item = console[page][cache]
            verdict = "" if item["median_ms"] < console["target_ms"] else "  [red](over the 1 s target)[/red]"
            out.append((f"console {label}, {words}, median / p99 ({console['leads']:,} leads, Chromium)",
                        f"{item['median_ms']} ms / {item['p99_ms']} ms{verdict}"))
    sizes = console["first_page_bytes"]
    if "document_and_assets" in sizes:
        both = sizes["document_and_assets"]
        assets = sizes.get("asset", {})
        document = sizes.get("document", {})
        out.append(("console first page download: document + assets, over the wire (unpacked)",
                    f"{_kib(both['encoded'])} ({_kib(both['decoded'])}) in {both['requests']} requests"))
        out.append(("  assets as served / the document as served",
                    f"{', '.join(assets.get('encodings', [])) or '-'} / "
                    f"{', '.join(document.get('encodings', [])) or '-'}"))
        if "api" in sizes:
            api = sizes["api"]
            out.append(("  API answers of that page (JSON)",
                        f"{_kib(api['encoded'])} in {api['requests']} requests, {', '.join(api['encodings'])}"))
    return out
