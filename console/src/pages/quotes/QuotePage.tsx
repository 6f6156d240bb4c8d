// /quotes/:id: the quote's facts, lines, tax lines and totals; its status and
// the moves the server allows now (for roles that write quotes): Send, Accept,
// Reject with a reason, Revise, Create order; its revisions, the alternatives
// of its opportunity, and the customer's document (HTML, PDF).
import { useEffect, useState } from "react";
import { Link, useLocation, useRouteLoaderData, useNavigate, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag, post, Problem, request } from "../../lib/api";
import { day, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert, TextField } from "../../components/forms";
import type { Page } from "../../components/records";
import { accountName } from "../accounts/account";
import { Facts, LinesTable, TotalsTable } from "../orders/documents";
import { amount } from "../orders/money";
import type { PriceBook } from "../catalog/catalog";
import type { OrderSummary } from "../orders/order";
import { QuoteStatus } from "./QuoteStatus";
import { quoteName, type Quote, type QuoteSummary } from "./quote";

export interface QuoteData {
  quote: Quote;
  etag?: string;
  account: string | null;
  book: PriceBook | null;
  revisions: QuoteSummary[];
  alternatives: QuoteSummary[];
  orders: OrderSummary[];
  opportunity: string | null;
}

export async function quoteLoader({ params, request: req }: LoaderFunctionArgs): Promise<QuoteData> {
  const id = params.quoteId!;
  const signal = req.signal;
  const answer = await getWithEtag<Quote>(`/quotes/${id}`, signal);
  const q = answer.data;
  const [account, book, revisions, alternatives, orders, opportunity] = await Promise.all([
    accountName(q.account_id),
    get<PriceBook>(`/price-books/${q.price_book_id}`, undefined, signal).catch(() => null),
    get<{ items: QuoteSummary[] }>(`/quotes/${id}/revisions`, undefined, signal).then((r) => r.items).catch(() => []),
    q.opportunity_id
      ? get<Page<QuoteSummary>>("/quotes", { opportunity_id: q.opportunity_id, limit: 50 }, signal)
        .then((p) => p.items.filter((other) => other.id !== q.id && other.number !== q.number)).catch(() => [])
      : Promise.resolve([] as QuoteSummary[]),
    q.status === "accepted"
      ? get<Page<OrderSummary>>("/orders", { quote_id: q.id, limit: 5 }, signal).then((p) => p.items).catch(() => [])
      : Promise.resolve([] as OrderSummary[]),
    q.opportunity_id
      ? get<{ name: string }>(`/opportunities/${q.opportunity_id}`, undefined, signal).then((o) => o.name).catch(() => null)
      : Promise.resolve(null),
  ]);
  return { quote: q, etag: answer.etag, account, book, revisions, alternatives, orders, opportunity };
}

/** When it was sent, accepted, rejected or expired, and by whom (only what happened). */
function moments(q: Quote): [string, string][] {
  const by = (at: string | null, who: string | null) => `${when(at)}${who ? ` by ${who}` : ""}`;
  const out: [string, string][] = [];
  if (q.sent_at) out.push(["Sent", by(q.sent_at, q.sent_by)]);
  if (q.accepted_at) out.push(["Accepted", by(q.accepted_at, q.accepted_by)]);
  if (q.rejected_at) out.push(["Rejected", by(q.rejected_at, q.rejected_by)]);
  if (q.expired_at) out.push(["Expired", when(q.expired_at)]);
  return out;
}

function RejectForm({ busy, onReject, onCancel }: { busy: boolean; onReject: (reason: string) => void; onCancel: () => void }) {
  const [reason, setReason] = useState("");
  return (
    <form className="panel" aria-label="Reject the quote" onSubmit={(e) => { e.preventDefault(); onReject(reason.trim()); }}>
      <TextField label="Why did the customer decline?" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000}
        hint="Optional; kept with the quote." autoFocus />
      <div className="actions">
        <button type="submit" className="danger" disabled={busy}>Reject quote</button>
        <button type="button" className="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

function Actions({ data }: { data: QuoteData }) {
  const { quote: q, etag, orders } = data;
  const can = useCan();
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [rejecting, setRejecting] = useState(false);
  const [message, setMessage] = useState<string>();
  useEffect(() => {
    setError(undefined);
    setRejecting(false);
  }, [q.id, q.version]);
  if (!can("orders:write")) return null;

  const move = async (action: "send" | "accept" | "reject", done: string, body?: unknown) => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      await request(`/quotes/${q.id}/${action}`, { method: "POST", body, ifMatch: etag ?? `"${q.version}"` });
      setMessage(done);
      setRejecting(false);
      revalidator.revalidate();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const revise = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const next = await post<Quote>(`/quotes/${q.id}/revise`);
      navigate(`/quotes/${next.id}`, { state: { message: `Revision ${next.revision} made as a draft: change it, then send it.` } });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const createOrder = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const order = await post<{ id: string }>(`/quotes/${q.id}/order`, {});
      navigate(`/orders/${order.id}`);
    } catch (e) {
      const existing = e instanceof Problem ? (e.body.existing_id as string | undefined) : undefined;
      if (existing) navigate(`/orders/${existing}`);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  const has = (a: Quote["actions"][number]) => q.actions.includes(a);
  const orderable = q.status === "accepted" && orders.length === 0;
  if (!q.actions.length && !orderable && !message) return null;
  return (
    <section className="panel" aria-labelledby="quote-actions-heading">
      <h2 id="quote-actions-heading">Actions</h2>
      {message && <p role="status" className="alert ok">{message}</p>}
      <div className="actions">
        {has("update") && <Link className="button secondary" to={`/quotes/${q.id}/edit`}>Edit draft</Link>}
        {has("send") && <button type="button" disabled={busy} onClick={() => move("send", "Sent: the quote no longer changes; revise it to change it.")}>Send</button>}
        {has("accept") && <button type="button" disabled={busy} onClick={() => move("accept", "Accepted.")}>Accept</button>}
        {has("reject") && !rejecting && <button type="button" className="secondary" disabled={busy} onClick={() => setRejecting(true)}>Reject…</button>}
        {has("revise") && <button type="button" className="secondary" disabled={busy} onClick={revise}>Revise</button>}
        {orderable && <button type="button" disabled={busy} onClick={createOrder}>Create order</button>}
      </div>
      {rejecting && <RejectForm busy={busy} onCancel={() => setRejecting(false)}
        onReject={(reason) => move("reject", "Rejected.", reason ? { reason } : {})} />}
      <FormAlert error={error} />
    </section>
  );
}

function QuoteRows({ title, quotes, current, empty }: { title: string; quotes: QuoteSummary[]; current?: string; empty: string }) {
  const id = `${title.toLowerCase().replace(/\W+/g, "-")}-heading`;
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {quotes.length === 0 ? <p className="muted">{empty}</p> : (
        <ul className="plain quote-rows">
          {quotes.map((r) => (
            <li key={r.id}>
              {r.id === current
                ? <strong aria-current="page">{quoteName(r)} (this one)</strong>
                : <Link to={`/quotes/${r.id}`}>{quoteName(r, true)}</Link>}
              {" "}<QuoteStatus quote={r} /> <span className="muted">{amount(r.totals.gross_total, r.currency)} · {day(r.created_at.slice(0, 10))}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function QuotePage() {
  const data = useRouteLoaderData("quote") as QuoteData;
  const { quote: q, account, book, revisions, alternatives, orders, opportunity } = data;
  const location = useLocation();
  const [message, setMessage] = useState<string | undefined>((location.state as { message?: string } | null)?.message);
  useEffect(() => setMessage((location.state as { message?: string } | null)?.message), [location.key, location.state]);
  const document = `/api/v1/quotes/${q.id}/document`;
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>Quote {quoteName(q)}</h1>
          <p className="muted">
            <QuoteStatus quote={q} /> · {amount(q.totals.gross_total, q.currency)} · <Link to={`/accounts/${q.account_id}`}>{account ?? "account"}</Link>
            {" "}· valid until {day(q.valid_until)}
          </p>
        </div>
        <div className="actions">
          <a className="button secondary" href={`${document}.html`} target="_blank" rel="noopener">Customer document (HTML)</a>
          <a className="button secondary" href={`${document}.pdf`} target="_blank" rel="noopener">PDF</a>
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      {q.superseded_by && (
        <p className="alert info">A newer revision replaced this one: <Link to={`/quotes/${q.superseded_by}`}>open the current revision</Link>.</p>
      )}
      {q.status === "rejected" && <p className="alert info">Rejected{q.rejection_reason ? `: ${q.rejection_reason}` : "."}</p>}
      {orders.length > 0 && (
        <p className="alert ok">Ordered: {orders.map((o, i) => <span key={o.id}>{i > 0 && ", "}<Link to={`/orders/${o.id}`}>{o.number}</Link></span>)}</p>
      )}
      <div className="grid-2">
        <div>
          <section className="panel" aria-labelledby="quote-details-heading">
            <h2 id="quote-details-heading">Details</h2>
            <Facts title="Quote details" items={[
              ["Number", `${q.number} (revision ${q.revision})`],
              ["Title", q.title],
              ["Account", <Link key="a" to={`/accounts/${q.account_id}`}>{account ?? "Open the account"}</Link>],
              ["Opportunity", q.opportunity_id ? <Link key="o" to={`/opportunities/${q.opportunity_id}`}>{opportunity ?? "Open the opportunity"}</Link> : null],
              ["Currency", q.currency],
              ["Price book", book ? <Link key="b" to={`/price-books/${book.id}`}>{book.name}</Link> : null],
              ["Prices", q.prices_include_tax ? "Tax included" : "Before tax"],
              ["Tax country", q.tax_country],
              ["Priced on", day(q.priced_on)],
              ["Valid until", day(q.valid_until)],
              ["Created", `${when(q.created_at)}${q.created_by ? ` by ${q.created_by}` : ""}`],
              ...moments(q),
            ]} />
          </section>
          <section className="panel" aria-labelledby="quote-lines-heading">
            <h2 id="quote-lines-heading">Lines</h2>
            <LinesTable lines={q.lines} currency={q.currency} caption={`Lines of ${quoteName(q)}`} pricesIncludeTax={q.prices_include_tax} />
            <h3>Totals</h3>
            <TotalsTable totals={q.totals} currency={q.currency} caption={`Totals of ${quoteName(q)}`} />
          </section>
          {(q.notes || q.terms) && (
            <section className="panel" aria-labelledby="quote-texts-heading">
              <h2 id="quote-texts-heading">Notes and terms</h2>
              {q.notes && <p className="pre-line">{q.notes}</p>}
              {q.terms && <><h3>Terms</h3><p className="pre-line">{q.terms}</p></>}
            </section>
          )}
        </div>
        <aside>
          <Actions data={data} />
          <QuoteRows title="Revisions" quotes={revisions} current={q.id} empty="This is the only revision." />
          {q.opportunity_id && (
            <QuoteRows title="Alternatives" quotes={alternatives}
              empty="No other quote for this opportunity. Accepting one alternative rejects the others." />
          )}
        </aside>
      </div>
    </article>
  );
}
