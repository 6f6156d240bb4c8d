// The start page, built around each role's day: what the role may read decides
// which blocks show, and each block loads (and fails) on its own.
import { Form, Link } from "react-router";
import { get, queryString } from "../../lib/api";
import { day, label, money, plural, when } from "../../lib/format";
import { displayName, useCan, useSession } from "../../lib/session";
import { MissingRates } from "../../components/MissingRates";
import { recentRecords } from "../../components/RecentRecords";
import type { Activity, Page } from "../../components/records";
import { leadName, type Lead } from "../leads/lead";
import { isOverdue, KIND_LABEL, linkedRecord, recordPath } from "../tasks/task";
import { titleKey, useRecordTitles } from "../tasks/titles";
import { useComplete } from "../tasks/TaskList";
import { useAccountNames } from "../accounts/account";
import type { Invoice } from "../invoices/invoice";
import { amount } from "../orders/money";
import { currentQuarter, isoDay, periodLabel, startOfDay } from "../forecast/period";
import type { Forecast } from "../forecast/types";
import type { Opportunity } from "../pipeline/types";
import { Block } from "./Block";
import { SupportBlocks } from "../support/HomeBlocks";
import { sumsByCurrency } from "./sums";

function greeting(now = new Date()): string {
  const hour = now.getHours();
  return hour < 12 ? "Good morning" : hour < 18 ? "Good afternoon" : "Good evening";
}

// Tasks and meetings --------------------------------------------------------------

function DueList({ items, reload }: { items: Activity[]; reload: () => void }) {
  const can = useCan();
  const { errors, busy, complete } = useComplete(reload);
  const titles = useRecordTitles(items.map(linkedRecord).filter((l) => l !== null));
  if (items.length === 0) return <p className="muted">Nothing of yours is due in the next 7 days.</p>;
  return (
    <ul className="due-list">
      {items.map((activity) => {
        const linked = linkedRecord(activity);
        const title = linked ? titles[titleKey(linked.kind, linked.id)] : undefined;
        return (
          <li key={activity.id}>
            <div>
              <strong>{activity.subject}</strong>{" "}
              <span className="muted">{label(activity.kind)} · due {when(activity.due_at)}</span>
              {isOverdue(activity) && <> <span className="badge overdue">Overdue</span></>}
              {linked && <div><Link to={recordPath(linked)}>{KIND_LABEL[linked.kind]}{title ? `: ${title}` : ""}</Link></div>}
            </div>
            {can("sales:write") && (
              <button type="button" className="secondary" disabled={busy === activity.id} onClick={() => complete(activity)}
                aria-label={`Mark done: ${activity.subject}`}>
                Mark done
              </button>
            )}
            {errors[activity.id] && <p role="alert" className="field-error">{errors[activity.id]}</p>}
          </li>
        );
      })}
    </ul>
  );
}

function DueBlock({ me }: { me: string }) {
  return (
    <Block<Page<Activity>> title="My tasks and meetings due"
      more={<Link to="/tasks">All my tasks</Link>}
      load={(signal) => get("/activities", {
        owner: me, kind: ["task", "meeting"], status: "open", sort: "due_at", limit: 10,
        due_before: startOfDay(new Date(), 8).toISOString(),
      }, signal)}>
      {(page, reload) => <DueList items={page.items} reload={reload} />}
    </Block>
  );
}

// Leads -----------------------------------------------------------------------------

function LeadRows({ leads, empty }: { leads: Lead[]; empty: string }) {
  if (leads.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ol className="home-list">
      {leads.map((lead) => (
        <li key={lead.id}>
          <Link to={`/leads/${lead.id}`}>{leadName(lead)}</Link>
          {lead.company && <span className="muted"> · {lead.company}</span>}{" "}
          <span className={`badge ${lead.status}`}>{label(lead.status)}</span>
          <span className="score" aria-label={`score ${lead.score}`}>{lead.score}</span>
        </li>
      ))}
    </ol>
  );
}

function MyLeadsBlock({ me }: { me: string }) {
  return (
    <Block<Page<Lead>> title="My leads by score"
      more={<Link to={`/leads${queryString({ owner: me, sort: "-score" })}`}>All my leads</Link>}
      load={(signal) => get("/leads", { owner: me, status: ["new", "working"], sort: "-score", limit: 8 }, signal)}>
      {(page) => <LeadRows leads={page.items} empty="You have no new or working leads." />}
    </Block>
  );
}

// Pipeline ----------------------------------------------------------------------------

interface PipelineData {
  deals: Opportunity[];
  complete: boolean;
  forecast?: Forecast;
  forecastError?: unknown;
}

const MAX_PAGES = 5;

async function loadMyQuarter(me: string, signal: AbortSignal): Promise<PipelineData> {
  const quarter = currentQuarter();
  const deals: Opportunity[] = [];
  const forecast = get<Forecast>("/forecast", { period: quarter.key, owner: me }, signal).then(
    (value) => ({ value }), (error) => ({ error }),
  );
  let cursor: string | null = null;
  for (let round = 0; round < MAX_PAGES; round++) {
    const page: Page<Opportunity> = await get<Page<Opportunity>>("/opportunities", {
      owner: me, category: "open", close_from: isoDay(quarter.start), close_to: isoDay(quarter.end), limit: 100,
      cursor: cursor ?? undefined,
    }, signal);
    deals.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  const answer: { value?: Forecast; error?: unknown } = await forecast;
  return { deals, complete: !cursor, forecast: answer.value, forecastError: answer.error };
}

function PipelineBlock({ me }: { me: string }) {
  const quarter = currentQuarter();
  return (
    <Block<PipelineData> title={`My pipeline, ${periodLabel(quarter)}`}
      more={
        <span className="block-links">
          <Link to={`/pipeline${queryString({ owner: me })}`}>Board</Link>
          <Link to={`/forecast${queryString({ period: quarter.key, owner: me })}`}>Forecast</Link>
        </span>
      }
      load={(signal) => loadMyQuarter(me, signal)}>
      {({ deals, complete, forecast, forecastError }) => {
        const soonest = [...deals].sort((a, b) => a.expected_close_date.localeCompare(b.expected_close_date)).slice(0, 5);
        return (
          <>
            <p>{plural(deals.length, "open deal")}{complete ? "" : " (the first ones)"} closing this quarter.</p>
            {deals.length > 0 && (
              <dl className="facts">
                {sumsByCurrency(deals).map(([currency, total]) => (
                  <div key={currency} className="fact"><dt>Open in {currency}</dt><dd className="num">{money(total, currency)}</dd></div>
                ))}
              </dl>
            )}
            {forecast && (
              <>
                <h3>Forecast in {forecast.currency}</h3>
                <dl className="facts">
                  <div className="fact"><dt>Weighted</dt><dd className="num">{money(forecast.totals.weighted, forecast.currency)}</dd></div>
                  <div className="fact"><dt>Commit</dt><dd className="num">{money(forecast.totals.commit, forecast.currency)}</dd></div>
                  <div className="fact"><dt>Best case</dt><dd className="num">{money(forecast.totals.best_case, forecast.currency)}</dd></div>
                  <div className="fact"><dt>Won</dt><dd className="num">{money(forecast.totals.closed_won, forecast.currency)}</dd></div>
                </dl>
                <MissingRates currencies={forecast.missing_rates} />
              </>
            )}
            {forecastError !== undefined && <p className="alert warn">The forecast could not be loaded; the deals above are complete.</p>}
            {soonest.length > 0 && (
              <>
                <h3>Closing soonest</h3>
                <ul className="home-list">
                  {soonest.map((deal) => (
                    <li key={deal.id}>
                      <Link to={`/opportunities/${deal.id}`}>{deal.name}</Link>{" "}
                      <span className="muted">· {label(deal.stage)} · {money(deal.amount, deal.currency)} · {day(deal.expected_close_date)}</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </>
        );
      }}
    </Block>
  );
}

// Recent changes ----------------------------------------------------------------------

interface Changed {
  kind: "leads" | "opportunities";
  id: string;
  title: string;
  updated_at: string;
}

interface ChangesData {
  items: Changed[];
  failed: string[];
}

async function loadChanges(me: string, leads: boolean, signal: AbortSignal): Promise<ChangesData> {
  const query = { owner: me, sort: "-updated_at", limit: 6 };
  const [leadPage, dealPage] = await Promise.allSettled([
    leads ? get<Page<Lead>>("/leads", query, signal) : Promise.resolve({ items: [], next_cursor: null } as Page<Lead>),
    get<Page<Opportunity>>("/opportunities", query, signal),
  ]);
  if (leadPage.status === "rejected" && dealPage.status === "rejected") throw dealPage.reason;
  const items: Changed[] = [
    ...(leadPage.status === "fulfilled" ? leadPage.value.items.map((l) => ({ kind: "leads" as const, id: l.id, title: leadName(l), updated_at: l.updated_at })) : []),
    ...(dealPage.status === "fulfilled" ? dealPage.value.items.map((o) => ({ kind: "opportunities" as const, id: o.id, title: o.name, updated_at: o.updated_at })) : []),
  ];
  items.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  const failed = [leadPage.status === "rejected" ? "leads" : "", dealPage.status === "rejected" ? "opportunities" : ""].filter(Boolean);
  return { items: items.slice(0, 8), failed };
}

function RecentChangesBlock({ me }: { me: string }) {
  const can = useCan();
  return (
    <Block<ChangesData> title="Recent changes to my records" load={(signal) => loadChanges(me, can("leads:read"), signal)}>
      {({ items, failed }) => (
        <>
          {failed.length > 0 && <p className="alert warn">Your {failed.join(" and ")} could not be loaded just now.</p>}
          {items.length === 0 ? <p className="muted">None of your leads or opportunities changed yet.</p> : (
            <ul className="home-list">
              {items.map((item) => (
                <li key={`${item.kind}-${item.id}`}>
                  <span className="muted">{KIND_LABEL[item.kind]}:</span> <Link to={`/${item.kind}/${item.id}`}>{item.title}</Link>{" "}
                  <span className="muted">· changed {when(item.updated_at)}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Block>
  );
}

// Marketing ---------------------------------------------------------------------------

interface Counts {
  total: number;
  by_status: Record<string, number>;
  by_source: Record<string, number>;
}

function LeadsBySourceBlock() {
  return (
    <Block<Counts> title="Leads by source" more={<Link to="/leads">All leads</Link>}
      load={(signal) => get("/leads/counts", undefined, signal)}>
      {(counts) => {
        const sources = Object.entries(counts.by_source).sort(([, a], [, b]) => b - a);
        if (sources.length === 0) return <p className="muted">No leads yet.</p>;
        return (
          <table className="list compact">
            <caption className="visually-hidden">Leads by source</caption>
            <thead><tr><th scope="col">Source</th><th scope="col" className="num">Leads</th></tr></thead>
            <tbody>
              {sources.map(([source, count]) => (
                <tr key={source}>
                  <td data-label="Source"><Link to={`/leads${queryString({ source })}`}>{label(source)}</Link></td>
                  <td data-label="Leads" className="num">{count.toLocaleString()}</td>
                </tr>
              ))}
              <tr><td data-label="Source">All sources</td><td data-label="Leads" className="num">{counts.total.toLocaleString()}</td></tr>
            </tbody>
          </table>
        );
      }}
    </Block>
  );
}

function BestNewLeadsBlock() {
  return (
    <Block<Page<Lead>> title="Best new leads"
      more={<Link to={`/leads${queryString({ status: "new", sort: "-score" })}`}>All new leads by score</Link>}
      load={(signal) => get("/leads", { status: "new", sort: "-score", limit: 8 }, signal)}>
      {(page) => <LeadRows leads={page.items} empty="No new leads." />}
    </Block>
  );
}

function ImportedBlock() {
  const can = useCan();
  return (
    <Block<Page<Lead>> title="Recently imported leads"
      more={
        <span className="block-links">
          {can("leads:write") && <Link to="/leads/import">Import a CSV file</Link>}
          <Link to={`/leads${queryString({ source: "import" })}`}>All imported leads</Link>
        </span>
      }
      load={(signal) => get("/leads", { source: "import", sort: "-created_at", limit: 8 }, signal)}>
      {(page) => page.items.length === 0 ? <p className="muted">No leads were imported yet.</p> : (
        <ul className="home-list">
          {page.items.map((lead) => (
            <li key={lead.id}>
              <Link to={`/leads/${lead.id}`}>{leadName(lead)}</Link>
              <span className="muted"> · {when(lead.created_at)} · score {lead.score}</span>
            </li>
          ))}
        </ul>
      )}
    </Block>
  );
}

// Finance -------------------------------------------------------------------------------------

function InvoiceRows({ invoices, empty, show }: {
  invoices: Invoice[];
  empty: string;
  show: (invoice: Invoice) => string;
}) {
  const names = useAccountNames(invoices.map((i) => (i.account_name ? null : i.account_id)));
  if (invoices.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="home-list">
      {invoices.map((invoice) => (
        <li key={invoice.id}>
          <Link to={`/invoices/${invoice.id}`}>{invoice.number ?? "Draft invoice"}</Link>{" "}
          <span className="muted">· {invoice.account_name ?? names[invoice.account_id] ?? "Account"} · {show(invoice)}</span>
        </li>
      ))}
    </ul>
  );
}

function ChaseBlock() {
  return (
    <Block<Page<Invoice>> title="Invoices to chase"
      more={<Link to={`/invoices${queryString({ overdue: "true", sort: "due_date" })}`}>All overdue invoices</Link>}
      load={(signal) => get("/invoices", { overdue: "true", sort: "due_date", limit: 8 }, signal)}>
      {(page) => (
        <InvoiceRows invoices={page.items} empty="No invoice is overdue."
          show={(i) => `${amount(i.balance, i.currency)} open · due ${day(i.due_date)}`} />
      )}
    </Block>
  );
}

function DraftsBlock() {
  return (
    <Block<Page<Invoice>> title="Drafts to issue"
      more={<Link to={`/invoices${queryString({ status: "draft" })}`}>All draft invoices</Link>}
      load={(signal) => get("/invoices", { status: "draft", limit: 8 }, signal)}>
      {(page) => (
        <InvoiceRows invoices={page.items} empty="No draft invoice waits to be issued."
          show={(i) => `${amount(i.totals.gross_total, i.currency)}${i.order_number ? ` · order ${i.order_number}` : ""} · created ${day(i.created_at)}`} />
      )}
    </Block>
  );
}

// Support and everyone ---------------------------------------------------------------------

function FindBlock() {
  return (
    <section className="panel block" aria-labelledby="find-heading">
      <h2 id="find-heading">Find a customer</h2>
      <Form action="/search" className="toolbar" role="search" aria-label="Find an account or contact">
        <div className="field">
          <label htmlFor="home-search">Account, contact, email, phone or web domain</label>
          <input id="home-search" name="q" type="search" minLength={2} maxLength={200} required />
        </div>
        <button type="submit">Search</button>
      </Form>
      <p className="block-links">
        <Link to="/accounts">All accounts</Link>
        <Link to="/contacts">All contacts</Link>
      </p>
    </section>
  );
}

function RecentlyOpened({ me }: { me: string }) {
  const records = recentRecords(me).slice(0, 8);
  return (
    <section className="panel block" aria-labelledby="opened-heading">
      <h2 id="opened-heading">Recently opened</h2>
      {records.length === 0 ? <p className="muted">The records you open in this browser are listed here.</p> : (
        <ul className="home-list">
          {records.map((record) => (
            <li key={record.path}>
              <span className="muted">{KIND_LABEL[record.kind]}:</span> <Link to={record.path}>{record.title}</Link>{" "}
              <span className="muted">· {when(record.at)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function AdminBlock() {
  const can = useCan();
  const links = [
    { to: "/admin/users", label: "Users and roles", permission: "users:admin" },
    { to: "/admin/tokens", label: "API tokens", permission: "users:admin" },
    { to: "/admin/audit", label: "Audit trail", permission: "users:admin" },
    { to: "/admin/scoring", label: "Lead scoring rules", permission: "leads:admin" },
    { to: "/admin/assignment", label: "Lead assignment rules", permission: "leads:admin" },
    { to: "/admin/pipelines", label: "Pipelines and stages", permission: "sales:admin" },
    { to: "/admin/exchange-rates", label: "Exchange rates", permission: "sales:admin" },
    { to: "/price-books", label: "Price books", permission: "orders:admin" },
    { to: "/tax-rates", label: "Tax rates", permission: "orders:admin" },
  ].filter((link) => can(link.permission));
  if (links.length === 0) return null;
  return (
    <nav className="panel block" aria-labelledby="admin-heading">
      <h2 id="admin-heading">Administration</h2>
      <ul className="home-list">
        {links.map((link) => <li key={link.to}><Link to={link.to}>{link.label}</Link></li>)}
      </ul>
      <p><Link to="/admin">All admin screens</Link></p>
    </nav>
  );
}

export function Home() {
  const session = useSession();
  const can = useCan();
  const me = session.user.username;
  // Sales people (and admins, and read-only viewers of sales) plan their day around
  // tasks, leads and deals; marketers around lead sources; finance around the
  // invoices to chase and the drafts to issue; support around customers.
  const sales = can("sales:read");
  const finance = !sales && can("finance:write");
  const marketing = !sales && !finance && can("leads:write");
  const support = !sales && !marketing && !finance;
  // An admin's day starts with the admin screens.
  const admin = can("users:admin");
  return (
    <section>
      <h1>{greeting()}, {displayName(session.user)}</h1>
      <p className="muted">{new Intl.DateTimeFormat(undefined, { dateStyle: "full" }).format(new Date())}</p>
      <div className="home-grid">
        {admin && <AdminBlock />}
        {sales && <DueBlock me={me} />}
        {sales && <PipelineBlock me={me} />}
        {sales && can("leads:read") && <MyLeadsBlock me={me} />}
        {sales && <RecentChangesBlock me={me} />}
        {marketing && <LeadsBySourceBlock />}
        {marketing && <BestNewLeadsBlock />}
        {marketing && <ImportedBlock />}
        {finance && <ChaseBlock />}
        {finance && <DraftsBlock />}
        {support && can("cases:write") && <SupportBlocks me={session.user.id} />}
        {(support || finance) && <FindBlock />}
        <RecentlyOpened me={me} />
        {!admin && <AdminBlock />}
      </div>
    </section>
  );
}
