// One order: its lines with what was shipped, delivered and returned, the
// addresses and totals, the actions its status and the person's role allow
// (submit, cancel with a reason, ship some lines, mark a shipment delivered,
// start a return, invoice the order or a shipment), and its shipments,
// invoices and returns.
import { useEffect, useState } from "react";
import { Link, useLoaderData, useLocation, useNavigate, useRevalidator, useRouteLoaderData, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag, post, request } from "../../lib/api";
import { day, label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import type { Page } from "../../components/records";
import { EditableFacts } from "../../components/EditableFacts";
import { ActionButton, ReasonAction } from "./actions";
import { Facts, LinesTable, StatusBadge, TotalsTable } from "./documents";
import { amount, compare, decimal, isZero, subtract } from "./money";
import { addressLine, ORDER_MOVES, type Order, type OrderLine } from "./order";
import { ShipmentForm } from "./ShipmentForm";
import { invoiceTitle, type Invoice, type InvoiceDetail } from "../invoices/invoice";
import type { Return } from "../returns/rma";
import { accountName } from "../accounts/account";

export interface OrderData {
  order: Order;
  etag?: string;
  account: string | null;
}

/** The order of /orders/:orderId (shared by its page and its "New return" form). */
export async function orderLoader({ params, request: req }: LoaderFunctionArgs): Promise<OrderData> {
  const answer = await getWithEtag<Order>(`/orders/${params.orderId}`, req.signal);
  const account = answer.data.account_name ?? await accountName(answer.data.account_id);
  return { order: answer.data, etag: answer.etag, account };
}

interface Related {
  invoices: Invoice[] | null;
  returns: Return[] | null;
}

/** What belongs to the order besides its lines and shipments (which it carries): its invoices and returns. */
export async function orderRelatedLoader({ params, request: req }: LoaderFunctionArgs): Promise<Related> {
  const id = params.orderId!;
  const [invoices, returns] = await Promise.all([
    get<Page<Invoice>>("/invoices", { order_id: id, limit: 100 }, req.signal).then((p) => p.items).catch(() => null),
    get<Page<Return>>("/returns", { order_id: id, limit: 100 }, req.signal).then((p) => p.items).catch(() => null),
  ]);
  return { invoices, returns };
}

export function useOrder(): OrderData {
  return useRouteLoaderData("order") as OrderData;
}

export function OrderPage() {
  const { order, etag, account } = useOrder();
  const related = useLoaderData() as Related;
  const can = useCan();
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const location = useLocation();
  const [message, setMessage] = useState<string | undefined>((location.state as { message?: string } | null)?.message);
  useEffect(() => setMessage((location.state as { message?: string } | null)?.message), [location.key, location.state]);
  const [shipping, setShipping] = useState(false);
  const refresh = (text?: string) => {
    setMessage(text);
    revalidator.revalidate();
  };
  const lines = order.lines;
  const shipments = order.shipments;
  const moves = ORDER_MOVES[order.status];
  const writer = can("orders:write");
  const finance = can("finance:write");
  const totals = order.totals;
  const returnable = lines.some((l) => compare(subtract(l.delivered_quantity, l.returned_quantity), "0") > 0);
  const invoiceable = !["draft", "cancelled"].includes(order.status);
  const ifMatch = etag ?? `"${order.version}"`;

  const createInvoice = (shipmentId?: string) =>
    post<InvoiceDetail>("/invoices", shipmentId ? { order_id: order.id, shipment_id: shipmentId } : { order_id: order.id });

  return (
    <article>
      <div className="page-head">
        <div>
          <h1>Order {order.number}</h1>
          <p className="muted">
            <StatusBadge status={order.status} /> · <Link to={`/accounts/${order.account_id}`}>{account ?? "Account"}</Link>
            {" "}· {amount(totals.gross_total, order.currency)}
            {order.quote_id && <> · from <Link to={`/quotes/${order.quote_id}`}>its quote</Link></>}
            {order.placed_at && <> · placed {day(order.placed_at)}</>}
          </p>
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      {order.status === "cancelled" && (
        <p className="alert info">Cancelled {day(order.cancelled_at)}{order.cancel_reason ? `: ${order.cancel_reason}` : "."}</p>
      )}
      <div className="grid-2">
        <div>
          <section className="panel" aria-labelledby="lines-heading">
            <h2 id="lines-heading">Lines</h2>
            <LinesTable<OrderLine> lines={lines} currency={order.currency} caption={`Lines of order ${order.number}`}
              pricesIncludeTax={order.prices_include_tax} extra={[
                { header: "Shipped", numeric: true, cell: (l) => decimal(l.shipped_quantity) },
                { header: "Delivered", numeric: true, cell: (l) => decimal(l.delivered_quantity) },
                { header: "Returned", numeric: true, cell: (l) => decimal(l.returned_quantity) },
              ]} />
            <TotalsTable totals={totals} currency={order.currency} caption={`Totals of order ${order.number}`} />
          </section>

          <section className="panel" aria-labelledby="shipments-heading">
            <div className="page-head">
              <h2 id="shipments-heading">Shipments</h2>
              {writer && moves.ship && !shipping && (
                <button type="button" onClick={() => { setMessage(undefined); setShipping(true); }}>New shipment</button>
              )}
            </div>
            {shipping && (
              <ShipmentForm order={order} onCancel={() => setShipping(false)}
                onShipped={(s) => { setShipping(false); refresh(`Shipment ${s.number} recorded.`); }} />
            )}
            {shipments.length === 0 ? <p className="muted">Nothing shipped yet.</p> : (
              <ul className="plain doc-list">
                {shipments.map((s) => (
                  <li key={s.id} className="doc-item">
                    <div className="doc-item-head">
                      <strong>Shipment {s.number}</strong> <StatusBadge status={s.status} />
                    </div>
                    <Facts title={`Shipment ${s.number}`} items={[
                      ["Carrier", s.carrier],
                      ["Tracking number", s.tracking_number],
                      ["Shipped", when(s.shipped_at)],
                      ["Delivered", s.delivered_at ? when(s.delivered_at) : "Not yet"],
                    ]} />
                    <ul className="shipment-lines">
                      {s.lines.map((sl) => (
                        <li key={sl.id}>{decimal(sl.quantity)} × {sl.name}{sl.sku ? ` (${sl.sku})` : ""}</li>
                      ))}
                    </ul>
                    <div className="actions">
                      {writer && s.status === "shipped" && (
                        <ActionButton work={() => post(`/shipments/${s.id}/deliver`, {})}
                          done={() => refresh(`Shipment ${s.number} marked delivered.`)}>
                          Mark shipment {s.number} delivered
                        </ActionButton>
                      )}
                      {finance && (
                        <ActionButton className="secondary" work={() => createInvoice(s.id)}
                          done={(inv) => navigate(`/invoices/${(inv as InvoiceDetail).id}`)}>
                          Create invoice for shipment {s.number}
                        </ActionButton>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>

          <InvoicesPanel invoices={related.invoices} />
          <ReturnsPanel returns={related.returns} />
        </div>

        <aside>
          {(writer || finance) && (
            <section className="panel" aria-labelledby="actions-heading">
              <h2 id="actions-heading">Actions</h2>
              <div className="action-stack">
                {writer && order.status === "draft" && (
                  <Link className="button secondary" to={`/orders/${order.id}/edit`}>Edit draft</Link>
                )}
                {writer && moves.submit && (
                  <ActionButton work={() => request(`/orders/${order.id}/submit`, { method: "POST", ifMatch })}
                    done={() => refresh(`Order ${order.number} submitted.`)}>
                    Submit order
                  </ActionButton>
                )}
                {writer && moves.cancel && lines.every((l) => isZero(l.shipped_quantity)) && (
                  <ReasonAction open="Cancel order" submit="Cancel the order" label="Why is it cancelled?" danger
                    hint="The customer sees no reason; it is kept with the order."
                    work={(reason) => request(`/orders/${order.id}/cancel`, { method: "POST", body: { reason }, ifMatch })}
                    done={() => refresh(`Order ${order.number} cancelled.`)} />
                )}
                {writer && returnable && (
                  <Link className="button secondary" to={`/orders/${order.id}/returns/new`}>New return</Link>
                )}
                {finance && invoiceable && (
                  <ActionButton work={() => createInvoice()} done={(inv) => navigate(`/invoices/${(inv as InvoiceDetail).id}`)}>
                    Create invoice for the order
                  </ActionButton>
                )}
                {writer && order.status === "draft" && <p className="muted">A draft's lines and addresses can be changed until it is submitted.</p>}
              </div>
            </section>
          )}
          <EditableFacts title="Details" record={order} path={`/orders/${order.id}`} etag={etag}
            canEdit={writer && order.status === "draft"} onSaved={() => refresh("Saved.")} fields={[
              { name: "customer_reference", label: "Customer reference", hint: "Their PO number, if any." },
              {
                name: "payment_terms_days", label: "Payment terms (days)", type: "number", hint: "0 to 365 days from the invoice.",
                show: (o: Order) => `${o.payment_terms_days} days`,
              },
              { name: "notes", label: "Notes", type: "textarea" },
              { name: "currency", label: "Currency", readOnly: true },
              { name: "prices_include_tax", label: "Prices", readOnly: true, show: (o: Order) => (o.prices_include_tax ? "Include tax" : "Exclude tax") },
              { name: "tax_country", label: "Tax country", readOnly: true },
              { name: "shipping_address", label: "Shipping address", readOnly: true, show: (o: Order) => addressLine(o.shipping_address) || "—" },
              {
                name: "billing_address", label: "Billing address", readOnly: true,
                show: (o: Order) => addressLine(o.billing_address) || (o.shipping_address ? "Same as shipping" : "—"),
              },
              { name: "placed_at", label: "Placed", readOnly: true, show: (o: Order) => (o.placed_at ? when(o.placed_at) : "—") },
              { name: "created_at", label: "Created", readOnly: true, show: (o: Order) => `${when(o.created_at)}${o.created_by ? ` by ${o.created_by}` : ""}` },
            ]} />
        </aside>
      </div>
    </article>
  );
}

function InvoicesPanel({ invoices }: { invoices: Invoice[] | null }) {
  if (invoices === null) return null;
  return (
    <section className="panel" aria-labelledby="invoices-heading">
      <h2 id="invoices-heading">Invoices</h2>
      {invoices.length === 0 ? <p className="muted">Not invoiced yet.</p> : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Invoices of this order">
          <table className="list">
            <caption className="visually-hidden">Invoices of this order</caption>
            <thead><tr><th scope="col">Invoice</th><th scope="col">Status</th><th scope="col">Due</th><th scope="col" className="num">Total</th><th scope="col" className="num">Balance</th></tr></thead>
            <tbody>
              {invoices.map((i) => (
                <tr key={i.id}>
                  <td data-label="Invoice"><Link to={`/invoices/${i.id}`}>{invoiceTitle(i)}</Link></td>
                  <td data-label="Status"><StatusBadge status={i.status} /></td>
                  <td data-label="Due">{day(i.due_date)}</td>
                  <td data-label="Total" className="num">{amount(i.totals.gross_total, i.currency)}</td>
                  <td data-label="Balance" className="num">{amount(i.balance, i.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ReturnsPanel({ returns }: { returns: Return[] | null }) {
  if (returns === null) return null;
  return (
    <section className="panel" aria-labelledby="returns-heading">
      <h2 id="returns-heading">Returns</h2>
      {returns.length === 0 ? <p className="muted">Nothing returned.</p> : (
        <ul className="plain">
          {returns.map((r) => (
            <li key={r.id}>
              <Link to={`/returns/${r.id}`}>{r.number}</Link> <StatusBadge status={r.status} /> · {label(r.reason)} · {label(r.resolution)}
              {" "}· {day(r.created_at)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
