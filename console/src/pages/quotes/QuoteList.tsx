// /quotes: filters (status links with counts, account, number or title), sort
// and page in the URL; superseded revisions only on request. Sales and admins
// start a quote.
import { useEffect, useMemo, useState } from "react";
import { Form, Link, useLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { get } from "../../lib/api";
import { day, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { DataTable, Pager } from "../../components/DataTable";
import { SelectField, TextField } from "../../components/forms";
import { ExportLink, listQuery } from "../../components/lists";
import type { Page } from "../../components/records";
import { AccountPicker } from "../accounts/AccountPicker";
import { useAccountNames } from "../accounts/account";
import { amount } from "../orders/money";
import { StatusLinks } from "../orders/OrderList";
import { QUOTE_STATUSES, quoteName, type QuoteCounts, type QuoteSummary } from "./quote";
import { QuoteStatus } from "./QuoteStatus";

const FILTERS = ["q", "status", "account_id", "opportunity_id", "include_superseded"];
const LIST_KEYS = [...FILTERS, "sort", "cursor", "limit"];

interface Data {
  page: Page<QuoteSummary>;
  counts: QuoteCounts;
}

export async function quoteListLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(req.url).searchParams;
  const [page, counts] = await Promise.all([
    get<Page<QuoteSummary>>("/quotes", listQuery(params, LIST_KEYS), req.signal),
    get<QuoteCounts>("/quotes/counts", listQuery(params, FILTERS.filter((k) => k !== "status")), req.signal),
  ]);
  return { page, counts };
}

export function QuoteList() {
  const { page, counts } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const can = useCan();
  const [account, setAccount] = useState(params.get("account_id") ?? "");
  useEffect(() => setAccount(params.get("account_id") ?? ""), [params]);
  const names = useAccountNames(page.items.map((q) => q.account_id));

  const columns = useMemo<ColumnDef<QuoteSummary, any>[]>(() => [
    {
      id: "number", header: "Quote", meta: { sortKey: "number" },
      cell: ({ row }) => (
        <>
          <Link to={`/quotes/${row.original.id}`}>{quoteName(row.original)}</Link>
          {row.original.title && <div className="muted">{row.original.title}</div>}
        </>
      ),
    },
    {
      id: "account", header: "Account",
      cell: ({ row }) => <Link to={`/accounts/${row.original.account_id}`}>{names[row.original.account_id] ?? "Account"}</Link>,
    },
    { id: "status", header: "Status", cell: ({ row }) => <QuoteStatus quote={row.original} /> },
    { id: "net", header: "Net", meta: { numeric: true }, cell: ({ row }) => amount(row.original.totals.net_total, row.original.currency) },
    { id: "gross", header: "Total", meta: { numeric: true }, cell: ({ row }) => amount(row.original.totals.gross_total, row.original.currency) },
    { id: "valid_until", header: "Valid until", meta: { sortKey: "valid_until" }, cell: ({ row }) => day(row.original.valid_until) },
    { id: "created_at", header: "Created", meta: { sortKey: "created_at" }, cell: ({ row }) => when(row.original.created_at) },
  ], [names]);

  return (
    <section>
      <div className="page-head">
        <h1>Quotes</h1>
        <div className="actions">
          {can("orders:write") && <Link className="button" to="/quotes/new">New quote</Link>}
          <ExportLink list="quotes" params={params} keys={[...FILTERS, "sort"]} />
        </div>
      </div>

      <StatusLinks statuses={QUOTE_STATUSES} name="Quotes" counts={counts} />

      <Form method="get" className="toolbar" role="search" aria-label="Filter quotes">
        {params.get("status") && <input type="hidden" name="status" value={params.get("status")!} />}
        {params.get("opportunity_id") && <input type="hidden" name="opportunity_id" value={params.get("opportunity_id")!} />}
        <TextField label="Number or title" name="q" type="search" defaultValue={params.get("q") ?? ""} key={`q${params.get("q")}`} />
        <SelectField label="Revisions" name="include_superseded" defaultValue={params.get("include_superseded") ?? ""}
          key={`r${params.get("include_superseded")}`} placeholder="Latest only" options={[{ value: "true", label: "All revisions" }]} />
        <AccountPicker name="account_id" value={account} onChange={setAccount} placeholder="Any account" />
        {params.get("sort") && <input type="hidden" name="sort" value={params.get("sort")!} />}
        <button type="submit">Filter</button>
        <Link to="?" className="button secondary">Clear</Link>
      </Form>

      <DataTable caption="Quotes" columns={columns} data={page.items} rowId={(q) => q.id}
        empty={<>No quote matches these filters. <Link to="?">Clear the filters</Link>.</>} />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
