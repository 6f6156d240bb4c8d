// One return: its lines, reason, resolution, the credit note of a refund,
// and the moves open -> received -> closed for those who handle orders.
import { useState } from "react";
import { Link, useLoaderData, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { getWithEtag, request } from "../../lib/api";
import { label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { accountName } from "../accounts/account";
import { ActionButton } from "../orders/actions";
import { Facts, StatusBadge } from "../orders/documents";
import { decimal } from "../orders/money";
import type { Return } from "./rma";

interface Data {
  rma: Return;
  etag?: string;
  account: string | null;
}

export async function returnLoader({ params, request: req }: LoaderFunctionArgs): Promise<Data> {
  const answer = await getWithEtag<Return>(`/returns/${params.returnId}`, req.signal);
  const account = await accountName(answer.data.account_id);
  return { rma: answer.data, etag: answer.etag, account };
}

export function ReturnPage() {
  const { rma, etag, account } = useLoaderData() as Data;
  const can = useCan();
  const revalidator = useRevalidator();
  const [message, setMessage] = useState<string>();
  const ifMatch = etag ?? `"${rma.version}"`;
  const move = (action: "receive" | "close") => request(`/returns/${rma.id}/${action}`, { method: "POST", ifMatch });
  const done = (text: string) => () => {
    setMessage(text);
    revalidator.revalidate();
  };
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>Return {rma.number}</h1>
          <p className="muted">
            <StatusBadge status={rma.status} /> · order <Link to={`/orders/${rma.order_id}`}>{rma.order_number}</Link>
            {" "}· <Link to={`/accounts/${rma.account_id}`}>{account ?? "Account"}</Link>
          </p>
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      <div className="grid-2">
        <div>
          <section className="panel" aria-labelledby="return-lines-heading">
            <h2 id="return-lines-heading">Lines coming back</h2>
            <div className="table-wrap">
              <table className="list">
                <caption className="visually-hidden">Lines of return {rma.number}</caption>
                <thead><tr><th scope="col">Item</th><th scope="col" className="num">Quantity</th></tr></thead>
                <tbody>
                  {rma.lines.map((l) => (
                    <tr key={l.id}>
                      <td data-label="Item">{l.name}{l.sku && <span className="muted"> · {l.sku}</span>}</td>
                      <td data-label="Quantity" className="num">{decimal(l.quantity)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </div>
        <aside>
          {can("orders:write") && rma.status !== "closed" && (
            <section className="panel" aria-labelledby="return-actions-heading">
              <h2 id="return-actions-heading">Actions</h2>
              <div className="action-stack">
                {rma.status === "open" && (
                  <ActionButton work={() => move("receive")} done={done(`Return ${rma.number} received.`)}>Mark received</ActionButton>
                )}
                {rma.status === "received" && (
                  <ActionButton work={() => move("close")} done={done(`Return ${rma.number} closed.`)}>Close return</ActionButton>
                )}
              </div>
            </section>
          )}
          <section className="panel" aria-labelledby="return-details-heading">
            <h2 id="return-details-heading">Details</h2>
            <Facts title="Return details" items={[
              ["Reason", label(rma.reason)],
              ["Note", rma.note],
              ["Resolution", label(rma.resolution)],
              ["Credit note", rma.credit_note_id ? <Link to={`/credit-notes/${rma.credit_note_id}`}>Open the credit note</Link>
                : rma.resolution === "refund" ? "None: nothing of these lines was invoiced yet." : "None (a replacement)"],
              ["Opened", `${when(rma.created_at)}${rma.created_by ? ` by ${rma.created_by}` : ""}`],
              ["Received", rma.received_at ? when(rma.received_at) : null],
              ["Closed", rma.closed_at ? when(rma.closed_at) : null],
            ]} />
          </section>
        </aside>
      </div>
    </article>
  );
}
