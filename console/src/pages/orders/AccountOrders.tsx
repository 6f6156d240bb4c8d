// The "Orders" section of an account's page: the customer's value as the
// orders service sums it (lifetime revenue, open orders, unpaid and overdue
// balance, order dates, count, average; per currency, and the currencies
// without an exchange rate), and the account's recent quotes, orders and invoices.
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { get, Problem } from "../../lib/api";
import { day, plural } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert } from "../../components/forms";
import type { Page } from "../../components/records";
import { StatusBadge } from "./documents";
import { amount, isZero } from "./money";
import type { OrderSummary } from "./order";
import { invoiceTitle, type Invoice } from "../invoices/invoice";
import type { QuoteSummary } from "../quotes/quote";

interface CurrencyValue {
  currency: string;
  rate: string | null;
  lifetime_revenue: string;
  open_orders: { count: number; amount: string };
  unpaid_balance: string;
  overdue_balance: string;
  order_count: number;
  orders_total: string;
}

export interface CustomerValue {
  account_id: string;
  account_name: string;
  as_of: string;
  reporting_currency: string;
  lifetime_revenue: string;
  open_orders: { count: number; amount: string };
  unpaid_balance: string;
  overdue_balance: string;
  first_order_at: string | null;
  last_order_at: string | null;
  order_count: number;
  average_order_value: string | null;
  currencies: CurrencyValue[];
  missing_rates: string[];
}

interface Recent {
  value: CustomerValue | null;
  valueError?: unknown;
  quotes: QuoteSummary[] | null;
  orders: OrderSummary[] | null;
  invoices: Invoice[] | null;
}

const RECENT = 5;

export function AccountOrders({ accountId, accountName, known }: {
  accountId: string;
  accountName: string;
  /** The value as the account page's overview already answered it (null: orders has none yet); else it is asked here. */
  known?: { value: CustomerValue | null };
}) {
  const can = useCan();
  const [data, setData] = useState<Recent>();
  const answered = known !== undefined;
  const knownValue = known?.value ?? null;
  useEffect(() => {
    const controller = new AbortController();
    const list = <T,>(path: string) =>
      get<Page<T>>(path, { account_id: accountId, limit: RECENT }, controller.signal).then((p) => p).catch(() => null);
    const noValue = new Problem(404, { title: "No customer value yet" });
    Promise.all([
      answered
        ? Promise.resolve(knownValue ? { value: knownValue, valueError: undefined } : { value: null, valueError: noValue })
        : get<CustomerValue>(`/accounts/${accountId}/value`, undefined, controller.signal)
          .then((value) => ({ value, valueError: undefined }))
          .catch((e) => ({ value: null, valueError: e })),
      list<QuoteSummary>("/quotes"),
      list<OrderSummary>("/orders"),
      list<Invoice>("/invoices"),
    ]).then(([v, quotes, orders, invoices]) => {
      if (controller.signal.aborted) return;
      setData({ ...v, quotes: quotes?.items ?? null, orders: orders?.items ?? null, invoices: invoices?.items ?? null });
    });
    return () => controller.abort();
  }, [accountId, answered, knownValue]);

  return (
    <section className="panel account-orders" aria-labelledby="account-orders-heading">
      <div className="page-head">
        <h2 id="account-orders-heading">Orders</h2>
        <div className="actions">
          {can("orders:write") && <Link className="button secondary" to={`/quotes/new?account_id=${accountId}`}>New quote</Link>}
          {can("orders:write") && <Link className="button secondary" to={`/orders/new?account_id=${accountId}`}>New order</Link>}
        </div>
      </div>
      {!data && <p className="muted">Loading…</p>}
      {data && <ValueFacts data={data} />}
      {data?.quotes && (
        <RecentList title="Recent quotes" all={`/quotes?account_id=${accountId}`} empty="No quotes yet." name={accountName}
          items={data.quotes.map((q) => ({
            id: q.id, to: `/quotes/${q.id}`, label: `${q.number}${q.revision > 1 ? ` rev. ${q.revision}` : ""}`,
            status: q.status, amount: amount(q.totals.gross_total, q.currency), when: `valid until ${day(q.valid_until)}`,
          }))} />
      )}
      {data?.orders && (
        <RecentList title="Recent orders" all={`/orders?account_id=${accountId}`} empty="No orders yet." name={accountName}
          items={data.orders.map((o) => ({
            id: o.id, to: `/orders/${o.id}`, label: o.number, status: o.status,
            amount: amount(o.totals.gross_total, o.currency), when: o.placed_at ? `placed ${day(o.placed_at)}` : `created ${day(o.created_at)}`,
          }))} />
      )}
      {data?.invoices && (
        <RecentList title="Recent invoices" all={`/invoices?account_id=${accountId}`} empty="No invoices yet." name={accountName}
          items={data.invoices.map((i) => ({
            id: i.id, to: `/invoices/${i.id}`, label: invoiceTitle(i), status: i.status,
            amount: `${amount(i.totals.gross_total, i.currency)}${isZero(i.balance) ? "" : ` (${amount(i.balance, i.currency)} open)`}`,
            when: i.due_date ? `due ${day(i.due_date)}` : "not issued",
          }))} />
      )}
    </section>
  );
}

function ValueFacts({ data }: { data: Recent }) {
  if (!data.value) {
    if (data.valueError instanceof Problem && data.valueError.status === 404) {
      return <p className="muted">No orders or invoices for this account yet.</p>;
    }
    return data.valueError ? <FormAlert error={data.valueError} /> : null;
  }
  const v = data.value;
  const rc = v.reporting_currency;
  return (
    <>
      <dl className="facts value-facts" aria-label="Customer value">
        <div className="fact"><dt>Lifetime revenue</dt><dd>{amount(v.lifetime_revenue, rc)}</dd></div>
        <div className="fact"><dt>Open orders</dt><dd>{plural(v.open_orders.count, "order")} · {amount(v.open_orders.amount, rc)}</dd></div>
        <div className="fact"><dt>Unpaid balance</dt><dd>{amount(v.unpaid_balance, rc)}</dd></div>
        <div className="fact">
          <dt>Overdue balance</dt>
          <dd>{isZero(v.overdue_balance) ? amount(v.overdue_balance, rc) : <span className="badge st-overdue">{amount(v.overdue_balance, rc)}</span>}</dd>
        </div>
        <div className="fact"><dt>Orders</dt><dd>{v.order_count.toLocaleString()}</dd></div>
        <div className="fact"><dt>Average order</dt><dd>{v.average_order_value ? amount(v.average_order_value, rc) : "—"}</dd></div>
        <div className="fact"><dt>First order</dt><dd>{day(v.first_order_at)}</dd></div>
        <div className="fact"><dt>Last order</dt><dd>{day(v.last_order_at)}</dd></div>
      </dl>
      <p className="muted">In {rc} at the exchange rates of {day(v.as_of)}; net amounts, without tax.</p>
      {v.missing_rates.length > 0 && (
        <p className="alert warn">
          No exchange rate to {rc} for {v.missing_rates.join(", ")}: {v.missing_rates.length === 1 ? "its amounts are" : "their amounts are"} left
          out of the sums above (shown per currency below). {" "}
          <Link to="/admin/exchange-rates">Set the missing rates</Link> (admins).
        </p>
      )}
      {v.currencies.length > 1 || v.missing_rates.length > 0 ? (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Customer value per currency">
          <table className="list compact">
            <caption>Per currency</caption>
            <thead>
              <tr>
                <th scope="col">Currency</th><th scope="col" className="num">Revenue</th><th scope="col" className="num">Open orders</th>
                <th scope="col" className="num">Unpaid</th><th scope="col" className="num">Overdue</th>
              </tr>
            </thead>
            <tbody>
              {v.currencies.map((c) => (
                <tr key={c.currency}>
                  <td data-label="Currency">{c.currency}{c.rate === null && <span className="muted"> (no rate)</span>}</td>
                  <td data-label="Revenue" className="num">{amount(c.lifetime_revenue, c.currency)}</td>
                  <td data-label="Open orders" className="num">{amount(c.open_orders.amount, c.currency)}</td>
                  <td data-label="Unpaid" className="num">{amount(c.unpaid_balance, c.currency)}</td>
                  <td data-label="Overdue" className="num">{amount(c.overdue_balance, c.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

function RecentList({ title, items, all, empty, name }: {
  title: string;
  items: { id: string; to: string; label: string; status: string; amount: string; when: string }[];
  all: string;
  empty: string;
  name: string;
}) {
  return (
    <div className="recent-docs">
      <h3>{title}</h3>
      {items.length === 0 ? <p className="muted">{empty}</p> : (
        <ul className="plain">
          {items.map((item) => (
            <li key={item.id}>
              <Link to={item.to}>{item.label}</Link> <StatusBadge status={item.status} /> · {item.amount} · <span className="muted">{item.when}</span>
            </li>
          ))}
        </ul>
      )}
      {items.length >= RECENT && <p><Link to={all}>All {title.replace("Recent ", "")} of {name}</Link></p>}
    </div>
  );
}
