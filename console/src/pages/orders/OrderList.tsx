// The order list: status links with counts, account, number or customer
// reference, sort and page in the URL.
import { useEffect, useMemo, useState } from "react";
import { Form, Link, useLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { get } from "../../lib/api";
import { day, label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { DataTable, Pager } from "../../components/DataTable";
import { TextField } from "../../components/forms";
import { ExportLink, listQuery } from "../../components/lists";
import type { Page } from "../../components/records";
import { AccountPicker } from "../accounts/AccountPicker";
import { useAccountNames } from "../accounts/account";
import { StatusBadge } from "./documents";
import { amount } from "./money";
import { ORDER_STATUSES, type OrderCounts, type OrderSummary, type StatusCounts } from "./order";

const FILTERS = ["q", "account_id", "status", "quote_id"];
const LIST_KEYS = [...FILTERS, "sort", "cursor", "limit"];

interface Data {
  page: Page<OrderSummary>;
  counts: OrderCounts;
}

export async function orderListLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(req.url).searchParams;
  const [page, counts] = await Promise.all([
    get<Page<OrderSummary>>("/orders", listQuery(params, LIST_KEYS), req.signal),
    get<OrderCounts>("/orders/counts", listQuery(params, FILTERS.filter((k) => k !== "status")), req.signal),
  ]);
  return { page, counts };
}

/**
 * "All 8 · Draft 3 · Submitted 5 …": a list's status filter, with how many
 * each link shows when `counts` is given. Counts with `overdue` (invoices)
 * add "Overdue (n)", a link to overdue=true; it and the status links exclude
 * each other, so each number is what its link lists.
 */
export function StatusLinks({ statuses, param = "status", name, counts }: {
  statuses: readonly string[];
  param?: string;
  name: string;
  counts?: StatusCounts & { overdue?: number };
}) {
  const [params] = useSearchParams();
  const current = params.get(param);
  const overdue = counts?.overdue;
  const overdueShown = overdue !== undefined && params.get("overdue") === "true";
  const to = (key: string | null, value?: string) => {
    const next = new URLSearchParams(params);
    next.delete("cursor");
    next.delete(param);
    if (overdue !== undefined) next.delete("overdue");
    if (key && value) next.set(key, value);
    return `?${next.toString()}`;
  };
  const count = (n: number | undefined) => (counts ? ` ${(n ?? 0).toLocaleString()}` : "");
  const by = counts?.by_status as Record<string, number> | undefined;
  return (
    <ul className="counts" aria-label={`${name} by status`}>
      <li>
        <Link to={to(null)} aria-current={!current && !overdueShown ? "true" : undefined}>All{count(counts?.total)}</Link>
      </li>
      {statuses.map((s) => (
        <li key={s}>
          <Link to={to(param, s)} aria-current={current === s ? "true" : undefined}>{label(s)}{count(by?.[s])}</Link>
        </li>
      ))}
      {overdue !== undefined && (
        <li>
          <Link to={to("overdue", "true")} aria-current={overdueShown && !current ? "true" : undefined}>
            Overdue ({overdue.toLocaleString()})
          </Link>
        </li>
      )}
    </ul>
  );
}

export function OrderList() {
  const { page, counts } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const can = useCan();
  const [account, setAccount] = useState(params.get("account_id") ?? "");
  useEffect(() => setAccount(params.get("account_id") ?? ""), [params]);
  const names = useAccountNames(page.items.map((o) => (o.account_name ? null : o.account_id)));

  const columns = useMemo<ColumnDef<OrderSummary, any>[]>(() => [
    { id: "number", header: "Number", meta: { sortKey: "number" }, cell: ({ row }) => <Link to={`/orders/${row.original.id}`}>{row.original.number}</Link> },
    {
      id: "account", header: "Account",
      cell: ({ row }) => <Link to={`/accounts/${row.original.account_id}`}>{row.original.account_name ?? names[row.original.account_id] ?? "Account"}</Link>,
    },
    { id: "status", header: "Status", cell: ({ row }) => <StatusBadge status={row.original.status} /> },
    { id: "reference", header: "Customer reference", cell: ({ row }) => row.original.customer_reference ?? "—" },
    {
      id: "total", header: "Total", meta: { numeric: true },
      cell: ({ row }) => amount(row.original.totals.gross_total, row.original.currency),
    },
    { id: "placed_at", header: "Placed", cell: ({ row }) => day(row.original.placed_at) },
    { id: "created_at", header: "Created", meta: { sortKey: "created_at" }, cell: ({ row }) => when(row.original.created_at) },
    { id: "updated_at", header: "Changed", meta: { sortKey: "updated_at" }, cell: ({ row }) => when(row.original.updated_at) },
  ], [names]);

  return (
    <section>
      <div className="page-head">
        <h1>Orders</h1>
        <div className="actions">
          {can("orders:write") && <Link className="button" to="/orders/new">New order</Link>}
          <ExportLink list="orders" params={params} keys={[...FILTERS, "sort"]} />
        </div>
      </div>
      <StatusLinks statuses={ORDER_STATUSES} name="Orders" counts={counts} />
      <Form method="get" className="toolbar" role="search" aria-label="Filter orders">
        {params.get("status") && <input type="hidden" name="status" value={params.get("status")!} />}
        <TextField label="Number or customer reference" name="q" type="search" defaultValue={params.get("q") ?? ""} key={`q${params.get("q")}`} />
        <AccountPicker name="account_id" value={account} onChange={setAccount} placeholder="Any account" />
        {params.get("sort") && <input type="hidden" name="sort" value={params.get("sort")!} />}
        <button type="submit">Filter</button>
        <Link to="?" className="button secondary">Clear</Link>
      </Form>
      <DataTable caption="Orders" columns={columns} data={page.items} rowId={(o) => o.id}
        empty={<>No order matches these filters. <Link to="?">Clear the filters</Link>.</>} />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
