"""What the browser tests, `make screenshots` and the console benchmark share:
Debian's Chromium driven by Playwright, the people of each role with their
passwords, seed data made through the API, signing in through the real form,
and axe-core.

Chromium is the distribution's (/usr/bin/chromium, installed by
scripts/browser.sh), never a browser build downloaded by Playwright.
"""

import asyncio
import asyncio.unix_events
import functools
import json
import os
import selectors
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import requests
from psycopg.rows import dict_row

from gateway import users
from shared.kit import monkey
from shared.kit.paths import ROOT

CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
AXE = ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"
DIST = ROOT / "console" / "dist" / "index.html"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORD = "console-tests-passphrase"
# One person per role: (username, display name).
PEOPLE = {
    "admin": ("alice", "Alice Admin"),
    "sales": ("sam", "Sam Seller"),
    "support": ("sue", "Sue Support"),
    "marketing": ("mark", "Mark Marketer"),
    "readonly": ("rory", "Rory Reader"),
    "finance": ("fin", "Fin Finance"),
}
# The names the seed gives, that tests look for.
ACCOUNT = "Globex Corporation"
OTHER_ACCOUNT = "Initech"
CONTACT = ("Grace", "Hopper")
OPPORTUNITY = "Globex platform renewal"
ORDER_PRODUCT = "Support plan"  # the seeded order's product
ORDER_PRODUCT_SKU = "SEED-SUPPORT"
NO_RATE_CURRENCY = "CHF"  # an opportunity in this currency has no exchange rate: forecasts warn of it
# The support seed (seed_support): a team with the support person in it, a public article and cases.
SUPPORT_TEAM = "Customer care"
OTHER_TEAM = "Second line"  # no members, manual assignment: its cases have no owner
SUPPORT_ARTICLE = "How to reset your password"
SUPPORT_CASES = (  # subject, priority, account, owned by the support person
    ("Invoice address is wrong", "high", ACCOUNT, True),
    ("Export to CSV is slow", "normal", ACCOUNT, True),
    ("Feature request: dark mode", "low", OTHER_ACCOUNT, False),
)
LEAD_SOURCES = ("web_form", "referral", "partner", "event", "campaign", "manual")
LEAD_NAMES = ["Ada Lovelace", "Charles Babbage", "Katherine Johnson", "Edsger Dijkstra", "Barbara Liskov",
              "Donald Knuth", "Margaret Hamilton", "John Backus", "Frances Allen", "Niklaus Wirth",
              "Radia Perlman", "Tony Hoare", "Hedy Lamarr", "Dennis Ritchie", "Adele Goldberg",
              "Ken Thompson", "Jean Sammet", "Alan Kay", "Sophie Wilson", "Linus Torvalds"]


def missing_browser_hint():
    return (f"Chromium is not at {CHROMIUM}: run `bash scripts/browser.sh` (make test and make screenshots run it),"
            " or apt-get install chromium; CRM_CHROMIUM names another binary.")


class _InlineLoop(asyncio.SelectorEventLoop):
    """Runs "executor" work (Playwright's file writes) at once: a pool thread
    would be a green thread that never runs while the loop waits."""

    def run_in_executor(self, executor, func, *args):
        future = self.create_future()
        try:
            future.set_result(func(*args))
        except Exception as exc:  # noqa: BLE001 - handed to the awaiting code
            future.set_exception(exc)
        return future


class _BlockingLoopPolicy(asyncio.DefaultEventLoopPolicy):
    """Event loops that wait in the operating system's own poll (not eventlet's
    green select) and see a child process end through its pidfd (not a green
    thread), and with no pool threads.

    The test process is monkey-patched by eventlet (tests/conftest.py); a
    Playwright loop that waited through eventlet's hub would have its
    greenlets re-parented to the hub, and a sync call could wait forever.
    Playwright's loop therefore blocks for real while it waits: nothing else
    in the process needs to run meanwhile (the suite's servers are processes
    of their own)."""

    def new_event_loop(self):
        real = monkey.original("select")

        class PollSelector(selectors._PollLikeSelector):  # the standard library's, on the unpatched poll
            _selector_cls = real.poll
            _EVENT_READ = real.POLLIN
            _EVENT_WRITE = real.POLLOUT

        loop = _InlineLoop(PollSelector())
        self.get_child_watcher().attach_loop(loop)  # the driver's exit seen through a pidfd, not a thread
        return loop


def start_playwright():
    """Playwright's sync API, started; ``.stop()`` it at the end."""
    from playwright.sync_api import sync_playwright

    if not monkey.is_patched("os"):
        return sync_playwright().start()
    # asyncio starts the driver with subprocess.Popen (which reads its exec pipe with os.read) and
    # writes to the driver's pipe with os.write: eventlet's versions switch to its hub, which
    # re-parents Playwright's greenlets to the hub, and a sync call would never come back.
    real_os = monkey.original("os")
    asyncio.unix_events.os = real_os
    policy = _BlockingLoopPolicy()
    policy.set_child_watcher(asyncio.PidfdChildWatcher())
    asyncio.set_event_loop_policy(policy)
    green_read = os.read
    os.read = real_os.read
    try:
        return sync_playwright().start()
    finally:
        os.read = green_read


def launch(playwright):
    """Debian's Chromium, headless, with nothing that reaches out to the network by itself."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(missing_browser_hint())
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                      chromium_sandbox=False)


def new_context(browser, viewport=None, **options):
    """A browser context (a browser profile of its own: no cookies, no cache) with patient timeouts."""
    context = browser.new_context(viewport=viewport or DESKTOP, **options)
    context.set_default_timeout(30_000)
    return context


def console_built():
    return DIST.is_file()


@dataclass
class Seed:
    """Ids of the records the seed made (names in the constants above)."""

    leads: dict = field(default_factory=dict)  # name -> id
    accounts: dict = field(default_factory=dict)
    contacts: dict = field(default_factory=dict)
    opportunities: dict = field(default_factory=dict)
    activities: list = field(default_factory=list)
    # The orders seed (seed_orders): product name -> id; each document's number -> id.
    products: dict = field(default_factory=dict)
    orders: dict = field(default_factory=dict)
    invoices: dict = field(default_factory=dict)
    returns: dict = field(default_factory=dict)
    credit_notes: dict = field(default_factory=dict)
    # The catalog and quotes seed (seed_quotes): book name -> id, quote number -> id.
    price_books: dict = field(default_factory=dict)
    quotes: dict = field(default_factory=dict)
    # The support seed (seed_support): team name -> id, article title -> id, case number -> id (and subject -> id).
    teams: dict = field(default_factory=dict)
    articles: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)
    case_subjects: dict = field(default_factory=dict)
    support_agent: str = ""  # the support person's user id (cases' owner_id)


def create_people(database_url, extra=()):
    """The users of PEOPLE (and ``extra``: (username, role) pairs) with PASSWORD; returns username -> id."""
    made = {}
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row,
                         options="-c search_path=gateway,public") as conn:
        wanted = [(name, role, display) for role, (name, display) in PEOPLE.items()]
        wanted += [(name, role, None) for name, role in extra]
        for username, role, display in wanted:
            try:
                row = users.create_user(conn, username, role, display, password=PASSWORD)
            except users.Conflict:
                row = conn.execute("SELECT id FROM users WHERE username = %s", (username,)).fetchone()
            made[username] = str(row["id"])
    return made


class Api:
    """The REST API with a bearer token (for seeding and checking what the console did)."""

    def __init__(self, base_url, token):
        self.base = f"{base_url}/api/v1"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method, path, expected=(200, 201), **kwargs):
        response = self.http.request(method, f"{self.base}{path}", timeout=30, **kwargs)
        if response.status_code not in expected:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def get(self, path, **params):
        return self.call("GET", path, params=params)

    def post(self, path, body):
        return self.call("POST", path, json=body)

    def patch(self, path, body, version):
        return self.call("PATCH", path, json=body, headers={"If-Match": f'"{version}"'})

    def put(self, path, body):
        return self.call("PUT", path, json=body)


def _lead_status(api, lead, status):
    return api.patch(f"/leads/{lead['id']}", {"status": status}, lead["version"])


def seed(api, owner="sam"):
    """A small company's data, made through the API: two accounts with
    contacts and opportunities (one in a currency without an exchange rate),
    activities, and twenty leads of several sources and statuses."""
    made = Seed()
    today = date.today()
    for name, country, domain in ((ACCOUNT, "DE", "globex.example"), (OTHER_ACCOUNT, "US", "initech.example")):
        account = api.post("/accounts", {"name": name, "country": country, "domain": domain, "owner": owner,
                                         "industry": "software"})
        made.accounts[name] = account["id"]
    globex = made.accounts[ACCOUNT]
    for first, last, account_id in ((*CONTACT, globex), ("Alan", "Turing", made.accounts[OTHER_ACCOUNT])):
        contact = api.post("/contacts", {"first_name": first, "last_name": last, "account_id": account_id,
                                         "emails": [f"{first.lower()}@example.com"], "owner": owner})
        made.contacts[f"{first} {last}"] = contact["id"]
    for name, account_id, amount, currency in (
            (OPPORTUNITY, globex, "12000.00", "EUR"),
            ("Initech platform", made.accounts[OTHER_ACCOUNT], "8000.00", "EUR"),
            ("Globex Swiss subsidiary", globex, "5000.00", NO_RATE_CURRENCY)):
        opportunity = api.post("/opportunities", {
            "account_id": account_id, "name": name, "amount": amount, "currency": currency, "owner": owner,
            "expected_close_date": today.isoformat()})  # in this month's and quarter's forecast
        made.opportunities[name] = opportunity["id"]
    due = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0).isoformat()
    for body in ({"kind": "call", "subject": "Kick-off call with Grace", "account_id": globex, "status": "done"},
                 {"kind": "task", "subject": "Send the renewal quote", "opportunity_id":
                  made.opportunities[OPPORTUNITY], "due_at": due, "owner": owner}):
        made.activities.append(api.post("/activities", body)["id"])
    statuses = ["new", "new", "working", "qualified", "disqualified"]
    for index, name in enumerate(LEAD_NAMES):
        first, last = name.split(" ", 1)
        lead = api.post("/leads", {
            "first_name": first, "last_name": last, "email": f"{first.lower()}.{last.lower()}@example.org",
            "company": f"{last} Labs", "country": "GB", "source": LEAD_SOURCES[index % len(LEAD_SOURCES)],
            "owner": owner, "title": "CTO" if index % 3 == 0 else "Engineer"})
        status = statuses[index % len(statuses)]
        if status == "disqualified":
            lead = _lead_status(api, lead, "working")
            lead = api.patch(f"/leads/{lead['id']}", {"status": "disqualified", "status_reason": "No budget"},
                             lead["version"])
        elif status != "new":
            lead = _lead_status(api, lead, status)
        made.leads[name] = lead["id"]
    seed_orders(api, made)
    seed_quotes(api, made)
    seed_support(api, made)
    return made


def _when_orders_knows(make, timeout=30):
    """``make()``, again while orders does not know the account yet (its copy of sales' accounts follows
    sales' events, a moment after the account was made)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return make()
        except AssertionError as error:
            if "account" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def seed_orders(api, made):
    """An order of the seed's first account, made through the API and taken all the way: a product with a
    price in the standard price book (and Germany's standard tax rate), the order submitted, shipped and
    delivered, its invoice issued and partly paid, and a refunded return of one unit (its credit note)."""
    globex = made.accounts[ACCOUNT]
    if not api.get("/tax-rates", country="DE", tax_category="standard")["items"]:
        api.post("/tax-rates", {"tax_category": "standard", "country": "DE", "rate": "19", "valid_from": "2020-01-01"})
    standard = next(book for book in api.get("/price-books", limit=100)["items"] if book["is_standard"])
    for sku, name, price in ((ORDER_PRODUCT_SKU, ORDER_PRODUCT, "120.00"), ("SEED-TRAINING", "Training day", "950.00")):
        product = api.post("/products", {"sku": sku, "name": name, "tax_category": "standard", "unit": "each"})
        api.post(f"/price-books/{standard['id']}/prices", {"product_id": product["id"], "currency": "EUR",
                                                             "unit_price": price, "valid_from": "2020-01-01"})
        made.products[name] = product["id"]
    order = _when_orders_knows(lambda: api.post("/orders", {
        "account_id": globex, "currency": "EUR", "customer_reference": "PO-4711",
        "lines": [{"product_id": made.products[ORDER_PRODUCT], "quantity": "3"}],
        "shipping_address": {"street": "1 Globex Way", "city": "Berlin", "postal_code": "10115", "country": "DE"}}))
    api.post(f"/orders/{order['id']}/submit", {})
    line = order["lines"][0]
    shipment = api.post(f"/orders/{order['id']}/shipments", {
        "lines": [{"order_line_id": line["id"], "quantity": "3"}], "carrier": "DHL", "tracking_number": "JD0001"})
    api.post(f"/shipments/{shipment['id']}/deliver", {})
    made.orders[order["number"]] = order["id"]
    invoice = api.post("/invoices", {"order_id": order["id"]})
    invoice = api.post(f"/invoices/{invoice['id']}/issue", {})
    api.post(f"/invoices/{invoice['id']}/payments", {"amount": "100.00", "paid_on": date.today().isoformat(),
                                                     "method": "bank_transfer", "reference": "seed"})
    made.invoices[invoice["number"]] = invoice["id"]
    rma = api.post(f"/orders/{order['id']}/returns", {
        "lines": [{"order_line_id": line["id"], "quantity": "1"}], "reason": "damaged", "resolution": "refund"})
    made.returns[rma["number"]] = rma["id"]
    note = api.get(f"/credit-notes/{rma['credit_note_id']}")  # the refund of an invoiced line credits it
    made.credit_notes[note["number"]] = note["id"]
    return made


def seed_quotes(api, made):
    """The standard price book's id and a draft quote of the seed's first account with the two seeded
    products (made through the API, after seed_orders)."""
    standard = next(book for book in api.get("/price-books", limit=100)["items"] if book["is_standard"])
    made.price_books[standard["name"]] = standard["id"]
    quote = _when_orders_knows(lambda: api.post("/quotes", {
        "account_id": made.accounts[ACCOUNT], "currency": "EUR", "title": "Support and training",
        "lines": [{"product_id": product_id, "quantity": "1"} for product_id in made.products.values()]}))
    made.quotes[quote["number"]] = quote["id"]
    return made


def user_id(api, username):
    """A user's id, as an admin reads the user list."""
    cursor = None
    while True:
        page = api.get("/users", limit=100, **({"cursor": cursor} if cursor else {}))
        for user in page["items"]:
            if user["username"] == username:
                return user["id"]
        cursor = page.get("next_cursor")
        if not cursor:
            raise AssertionError(f"no user {username}")


def _when_support_knows(make, timeout=30):
    """``make()``, again while support does not know the account or contact yet (its projection of sales
    follows sales' events, a moment after they were made)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return make()
        except AssertionError as error:
            if not any(word in str(error) for word in ("account", "contact")) or time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def open_case(api, made, subject, priority="normal", account=ACCOUNT, owner=True, **extra):
    """A case of a seeded account (its contact when it is the first account), made through the API as an
    admin; owned by the support person when ``owner``. Returns the case."""
    body = {"subject": subject, "priority": priority, "channel": "email", "type": "problem",
            "account_id": made.accounts[account], "description": f"{subject}. Please help.", **extra}
    if account == ACCOUNT:
        body["contact_id"] = made.contacts[" ".join(CONTACT)]
    body["team_id"] = made.teams[SUPPORT_TEAM if owner else OTHER_TEAM]
    if owner:
        body["owner_id"] = made.support_agent
    case = _when_support_knows(lambda: api.post("/cases", body))
    made.cases[case["number"]] = case["id"]
    made.case_subjects[subject] = case["id"]
    return case


def seed_support(api, made):
    """Support's seed, made through the API: a team with the support person in it (and one without members
    whose cases have no owner), a published public article, and SUPPORT_CASES (after seed_orders)."""
    support_name = PEOPLE["support"][0]
    made.support_agent = user_id(api, support_name)
    team = api.post("/support/teams", {"name": SUPPORT_TEAM, "assignment_method": "round_robin"})
    made.teams[SUPPORT_TEAM] = team["id"]
    made.teams[OTHER_TEAM] = api.post("/support/teams", {"name": OTHER_TEAM, "assignment_method": "manual"})["id"]
    api.post(f"/support/teams/{team['id']}/members", {"user_id": made.support_agent,
                                                      "email": f"{support_name}@example.com"})
    article = api.post("/articles", {
        "title": SUPPORT_ARTICLE, "visibility": "public", "language": "en", "tags": ["password"],
        "body": "Open the sign-in page, choose **Forgot password** and follow the link we email you. "
                "The link works for one hour; if your password reset link expired, ask for a new one."})
    api.post(f"/articles/{article['id']}/submit", {})
    api.post(f"/articles/{article['id']}/publish", {})
    made.articles[SUPPORT_ARTICLE] = article["id"]
    for subject, priority, account, owned in SUPPORT_CASES:
        open_case(api, made, subject, priority, account, owned)
    return made


def sign_in(page, base_url, username, password=PASSWORD, path="/console/sign-in"):
    """Sign in through the console's own form; returns once the signed-in page shows."""
    page.goto(f"{base_url}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
    page.locator("main h1").first.wait_for()


def settled(page):
    """Waits until the signed-in page has loaded (the router is idle: main is no longer aria-busy)."""
    page.locator('main#main[aria-busy="false"]').wait_for()
    page.locator("main h1").first.wait_for()
    return page


def visit(page, base_url, path):
    """Opens /console<path> in ``page`` and waits until it has loaded."""
    page.goto(f"{base_url}/console{path}")
    return settled(page)


def axe_violations(page, impacts=("serious", "critical")):
    """axe-core's violations of these impacts on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())  # through DevTools: the page's CSP (script-src 'self') does not apply
    result = page.evaluate("""async () => {
        const r = await window.axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' +
                                                                       n.failureSummary.split('\\n')[1])}));
    }""")
    return [violation for violation in result if violation["impact"] in impacts]


@functools.cache
def _axe_source():
    if not AXE.is_file():
        raise RuntimeError(f"{AXE} is missing: the console's npm packages install it (bash scripts/console.sh)")
    return AXE.read_text()


def describe_violations(violations):
    return json.dumps(violations, indent=2)


def scratch_user(database_url, role, prefix="tmp"):
    """A user of its own (for a test that ends all of a person's sessions); returns its username."""
    username = f"{prefix}-{uuid.uuid4().hex[:6]}"
    create_people(database_url, extra=[(username, role)])
    return username


@dataclass(frozen=True)
class Screen:
    name: str
    path: str
    title: str | None  # the tab title without " · CRM" (None: made from the data, only checked to end so)
    crumbs: tuple  # the breadcrumb trail ((): none, as on the start page)


def main_screens(made):
    """The console's main screens with the seed's records, as an admin sees them."""
    lead = LEAD_NAMES[0]
    contact = " ".join(CONTACT)
    return [
        Screen("home", "/", "Home", ()),
        Screen("search", "/search?q=Globex", "“Globex” · Search", ("Home", "Search")),
        Screen("leads", "/leads", "Leads", ("Home", "Leads")),
        Screen("lead", f"/leads/{made.leads[lead]}", lead, ("Home", "Leads", lead)),
        Screen("new-lead", "/leads/new", "New lead", ("Home", "Leads", "New lead")),
        Screen("import", "/leads/import", "Import", ("Home", "Leads", "Import")),
        Screen("accounts", "/accounts", "Accounts", ("Home", "Accounts")),
        Screen("account", f"/accounts/{made.accounts[ACCOUNT]}", ACCOUNT, ("Home", "Accounts", ACCOUNT)),
        Screen("contacts", "/contacts", "Contacts", ("Home", "Contacts")),
        Screen("contact", f"/contacts/{made.contacts[contact]}", contact, ("Home", "Contacts", contact)),
        Screen("opportunities", "/opportunities", "Opportunities", ("Home", "Opportunities")),
        Screen("opportunity", f"/opportunities/{made.opportunities[OPPORTUNITY]}", OPPORTUNITY,
               ("Home", "Opportunities", OPPORTUNITY)),
        Screen("pipeline", "/pipeline", None, ("Home", "Pipeline")),
        Screen("forecast", "/forecast", None, ("Home", "Forecast")),
        Screen("tasks", "/tasks", "Tasks", ("Home", "Tasks")),
        Screen("admin", "/admin", "Admin", ("Home", "Admin")),
        Screen("users", "/admin/users", "Users", ("Home", "Admin", "Users")),
        Screen("exchange-rates", "/admin/exchange-rates", "Exchange rates", ("Home", "Admin", "Exchange rates")),
        Screen("scoring-rules", "/admin/scoring", "Scoring rules", ("Home", "Admin", "Scoring rules")),
        Screen("profile", "/profile", "Profile", ("Home", "Profile")),
        *_order_screens(made),
        *_catalog_and_quote_screens(made),
        *_support_screens(made),
    ]


def _support_screens(made):
    """The cases screens (the queue, a seeded case, a new case) and the support team's figures."""
    subject = SUPPORT_CASES[0][0]
    case = made.case_subjects.get(subject, "x")
    number = next((n for n, i in made.cases.items() if i == case), "x")
    return [
        Screen("cases", "/cases", "Cases", ("Home", "Cases")),
        Screen("case", f"/cases/{case}", f"{number} {subject}", ("Home", "Cases", number)),
        Screen("new-case", f"/cases/new?account_id={made.accounts.get(ACCOUNT, 'x')}", "New case",
               ("Home", "Cases", "New case")),
        Screen("support", "/support", "Support figures", ("Home", "Support")),
        *_kb_and_support_admin_screens(made),
    ]


def _kb_and_support_admin_screens(made):
    """The knowledge base (the list, the seeded article, a new article) and the support administration's SLA
    policies and calendars."""
    article = made.articles.get(SUPPORT_ARTICLE, "x")
    return [
        Screen("kb", "/kb", "Knowledge base", ("Home", "Knowledge base")),
        Screen("article", f"/kb/{article}", SUPPORT_ARTICLE, ("Home", "Knowledge base", SUPPORT_ARTICLE)),
        Screen("new-article", "/kb/new", "New article", ("Home", "Knowledge base", "New article")),
        Screen("sla-policies", "/admin/support/sla-policies", "SLA policies",
               ("Home", "Admin", "Support", "SLA policies")),
        Screen("calendars", "/admin/support/calendars", "Calendars", ("Home", "Admin", "Support", "Calendars")),
    ]


def _first(records):
    """(id, number) of the first seeded record of a kind ("x" when the seed has none, as for SCREEN_NAMES)."""
    number, record_id = next(iter(records.items()), ("x", "x"))
    return record_id, number


def _order_screens(made):
    """The orders, invoices and returns screens, with the seeded order, invoice, return and credit note."""
    order, order_no = _first(made.orders)
    invoice, invoice_no = _first(made.invoices)
    rma, rma_no = _first(made.returns)
    note, note_no = _first(made.credit_notes)
    return [
        Screen("orders", "/orders", "Orders", ("Home", "Orders")),
        Screen("order", f"/orders/{order}", f"Order {order_no}", ("Home", "Orders", order_no)),
        Screen("new-order", f"/orders/new?account_id={made.accounts.get(ACCOUNT, 'x')}", "New order",
               ("Home", "Orders", "New order")),
        Screen("new-return", f"/orders/{order}/returns/new", "New return", ("Home", "Orders", order_no, "New return")),
        Screen("invoices", "/invoices", "Invoices", ("Home", "Invoices")),
        Screen("invoice", f"/invoices/{invoice}", f"Invoice {invoice_no}", ("Home", "Invoices", invoice_no)),
        Screen("credit-notes", "/credit-notes", "Credit notes", ("Home", "Credit notes")),
        Screen("credit-note", f"/credit-notes/{note}", f"Credit note {note_no}", ("Home", "Credit notes", note_no)),
        Screen("returns", "/returns", "Returns", ("Home", "Returns")),
        Screen("return", f"/returns/{rma}", f"Return {rma_no}", ("Home", "Returns", rma_no)),
    ]


def _catalog_and_quote_screens(made):
    """The catalog (products, price books, tax rates) and quotes screens, with the seeded product, the
    standard price book and the seeded draft quote."""
    product = made.products.get(ORDER_PRODUCT, "x")
    book, book_name = next(((book_id, name) for name, book_id in made.price_books.items()), ("x", "Standard"))
    quote, quote_no = _first(made.quotes)
    return [
        Screen("products", "/products", "Products", ("Home", "Products")),
        Screen("product", f"/products/{product}", ORDER_PRODUCT, ("Home", "Products", ORDER_PRODUCT)),
        Screen("new-product", "/products/new", "New product", ("Home", "Products", "New product")),
        Screen("price-books", "/price-books", "Price books", ("Home", "Price books")),
        Screen("price-book", f"/price-books/{book}", book_name, ("Home", "Price books", book_name)),
        Screen("tax-rates", "/tax-rates", "Tax rates", ("Home", "Tax rates")),
        Screen("quotes", "/quotes", "Quotes", ("Home", "Quotes")),
        Screen("new-quote", f"/quotes/new?account_id={made.accounts.get(ACCOUNT, 'x')}", "New quote",
               ("Home", "Quotes", "New quote")),
        Screen("quote", f"/quotes/{quote}", f"Quote {quote_no}", ("Home", "Quotes", quote_no)),
        Screen("edit-quote", f"/quotes/{quote}/edit", "Edit quote", ("Home", "Quotes", quote_no, "Edit")),
    ]


SCREEN_NAMES = [screen.name for screen in main_screens(Seed(
    leads={LEAD_NAMES[0]: "x"}, accounts={ACCOUNT: "x"}, contacts={" ".join(CONTACT): "x"},
    opportunities={OPPORTUNITY: "x"}))]


def screen(made, name):
    return next(item for item in main_screens(made) if item.name == name)
