// The invoice list: status links with counts and "Overdue (n)", account, number, sort and page in the URL.
import { useEffect, useMemo, useState } from "react";
import { Form, Link, useLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { get } from "../../lib/api";
import { day } from "../../lib/format";
import { DataTable, Pager } from "../../components/DataTable";
import { TextField } from "../../components/forms";
import { ExportLink, listQuery } from "../../components/lists";
import type { Page } from "../../components/records";
import { AccountPicker } from "../accounts/AccountPicker";
import { useAccountNames } from "../accounts/account";
import { StatusBadge } from "../orders/documents";
import { amount } from "../orders/money";
import { StatusLinks } from "../orders/OrderList";
import { INVOICE_STATUSES, invoiceTitle, type Invoice, type InvoiceCounts } from "./invoice";

const FILTERS = ["q", "account_id", "order_id", "status", "overdue"];
const LIST_KEYS = [...FILTERS, "sort", "cursor", "limit"];
// The counts leave out the status links' own choices (a status, or overdue=true): each link's number is what it lists.
const COUNT_KEYS = FILTERS.filter((k) => k !== "status" && k !== "overdue");

interface Data {
  page: Page<Invoice>;
  counts: InvoiceCounts;
}

export async function invoiceListLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(req.url).searchParams;
  const [page, counts] = await Promise.all([
    get<Page<Invoice>>("/invoices", listQuery(params, LIST_KEYS), req.signal),
    get<InvoiceCounts>("/invoices/counts", listQuery(params, COUNT_KEYS), req.signal),
  ]);
  return { page, counts };
}

export function InvoiceList() {
  const { page, counts } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const [account, setAccount] = useState(params.get("account_id") ?? "");
  useEffect(() => setAccount(params.get("account_id") ?? ""), [params]);
  const names = useAccountNames(page.items.map((i) => (i.account_name ? null : i.account_id)));
  const columns = useMemo<ColumnDef<Invoice, any>[]>(() => [
    { id: "number", header: "Number", meta: { sortKey: "number" }, cell: ({ row }) => <Link to={`/invoices/${row.original.id}`}>{invoiceTitle(row.original)}</Link> },
    {
      id: "account", header: "Account",
      cell: ({ row }) => <Link to={`/accounts/${row.original.account_id}`}>{row.original.account_name ?? names[row.original.account_id] ?? "Account"}</Link>,
    },
    { id: "status", header: "Status", cell: ({ row }) => <StatusBadge status={row.original.status} /> },
    { id: "issued", header: "Issued", cell: ({ row }) => day(row.original.issue_date) },
    { id: "due_date", header: "Due", meta: { sortKey: "due_date" }, cell: ({ row }) => day(row.original.due_date) },
    { id: "total", header: "Total", meta: { numeric: true }, cell: ({ row }) => amount(row.original.totals.gross_total, row.original.currency) },
    { id: "balance", header: "Balance", meta: { numeric: true }, cell: ({ row }) => amount(row.original.balance, row.original.currency) },
  ], [names]);
  return (
    <section>
      <div className="page-head">
        <h1>Invoices</h1>
        <div className="actions">
          <ExportLink list="invoices" params={params} keys={[...FILTERS, "sort"]} />
        </div>
      </div>
      <StatusLinks statuses={INVOICE_STATUSES} name="Invoices" counts={counts} />
      <Form method="get" className="toolbar" role="search" aria-label="Filter invoices">
        {params.get("status") && <input type="hidden" name="status" value={params.get("status")!} />}
        {params.get("overdue") && <input type="hidden" name="overdue" value={params.get("overdue")!} />}
        <TextField label="Number" name="q" type="search" defaultValue={params.get("q") ?? ""} key={`q${params.get("q")}`} />
        <AccountPicker name="account_id" value={account} onChange={setAccount} placeholder="Any account" />
        {params.get("sort") && <input type="hidden" name="sort" value={params.get("sort")!} />}
        <button type="submit">Filter</button>
        <Link to="?" className="button secondary">Clear</Link>
      </Form>
      <DataTable caption="Invoices" columns={columns} data={page.items} rowId={(i) => i.id}
        empty={<>No invoice matches these filters. Invoices are created from an order.</>} />
      <Pager nextCursor={page.next_cursor} />
      <p><Link to="/credit-notes">Credit notes</Link></p>
    </section>
  );
}
