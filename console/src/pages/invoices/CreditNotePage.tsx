// A credit note (read only: an issued credit note never changes), and the list of them.
import { useMemo } from "react";
import { Link, useLoaderData, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { get } from "../../lib/api";
import { day, when } from "../../lib/format";
import { DataTable, Pager } from "../../components/DataTable";
import { listQuery } from "../../components/lists";
import type { Page } from "../../components/records";
import { accountName, useAccountNames } from "../accounts/account";
import { Facts, LinesTable, TotalsTable } from "../orders/documents";
import { amount } from "../orders/money";
import type { CreditNote, CreditNoteSummary } from "./invoice";

interface Data {
  note: CreditNote;
  account: string | null;
}

export async function creditNoteLoader({ params, request: req }: LoaderFunctionArgs): Promise<Data> {
  const note = await get<CreditNote>(`/credit-notes/${params.creditNoteId}`, undefined, req.signal);
  return { note, account: await accountName(note.account_id) };
}

export function CreditNotePage() {
  const { note, account } = useLoaderData() as Data;
  const totals = note.totals;
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>Credit note {note.number}</h1>
          <p className="muted">
            <Link to={`/accounts/${note.account_id}`}>{account ?? "Account"}</Link>
            {" "}· for invoice <Link to={`/invoices/${note.invoice_id}`}>{note.invoice_number ?? "invoice"}</Link>
            {" "}· {amount(totals.gross_total, note.currency)}
          </p>
        </div>
      </div>
      <div className="grid-2">
        <div>
          <section className="panel" aria-labelledby="cn-lines-heading">
            <h2 id="cn-lines-heading">Lines credited</h2>
            <LinesTable lines={note.lines} currency={note.currency} caption={`Lines of credit note ${note.number}`}
              pricesIncludeTax={note.prices_include_tax} />
            <TotalsTable totals={totals} currency={note.currency} caption={`Totals of credit note ${note.number}`} />
          </section>
        </div>
        <aside>
          <section className="panel" aria-labelledby="cn-details-heading">
            <h2 id="cn-details-heading">Details</h2>
            <Facts title="Credit note details" items={[
              ["Issued", day(note.issue_date)],
              ["Reason", note.reason],
              ["Invoice", <Link key="i" to={`/invoices/${note.invoice_id}`}>{note.invoice_number ?? "Open the invoice"}</Link>],
              ["Order", <Link key="o" to={`/orders/${note.order_id}`}>Open the order</Link>],
              ["Return", note.return_id ? <Link key="r" to={`/returns/${note.return_id}`}>Open the return</Link> : null],
              ["Created", `${when(note.created_at)}${note.created_by ? ` by ${note.created_by}` : ""}`],
            ]} />
          </section>
        </aside>
      </div>
    </article>
  );
}

const LIST_KEYS = ["q", "account_id", "invoice_id", "sort", "cursor", "limit"];

export async function creditNoteListLoader({ request: req }: LoaderFunctionArgs): Promise<Page<CreditNoteSummary>> {
  return get<Page<CreditNoteSummary>>("/credit-notes", listQuery(new URL(req.url).searchParams, LIST_KEYS), req.signal);
}

export function CreditNoteList() {
  const page = useLoaderData() as Page<CreditNoteSummary>;
  const names = useAccountNames(page.items.map((n) => n.account_id));
  const columns = useMemo<ColumnDef<CreditNoteSummary, any>[]>(() => [
    { id: "number", header: "Number", cell: ({ row }) => <Link to={`/credit-notes/${row.original.id}`}>{row.original.number}</Link> },
    { id: "invoice", header: "Invoice", cell: ({ row }) => <Link to={`/invoices/${row.original.invoice_id}`}>{row.original.invoice_number ?? "Invoice"}</Link> },
    {
      id: "account", header: "Account",
      cell: ({ row }) => <Link to={`/accounts/${row.original.account_id}`}>{names[row.original.account_id] ?? "Account"}</Link>,
    },
    { id: "issued", header: "Issued", cell: ({ row }) => day(row.original.issue_date) },
    { id: "total", header: "Total", meta: { numeric: true }, cell: ({ row }) => amount(row.original.totals.gross_total, row.original.currency) },
    { id: "reason", header: "Reason", cell: ({ row }) => row.original.reason },
  ], [names]);
  return (
    <section>
      <div className="page-head"><h1>Credit notes</h1></div>
      <DataTable caption="Credit notes" columns={columns} data={page.items} rowId={(n) => n.id}
        empty="No credit notes yet. They are issued from an invoice, or by a refunded return." />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
