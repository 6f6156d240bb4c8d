// The returns (RMA): status links, account and number filters, sort and page in the URL.
import { useEffect, useMemo, useState } from "react";
import { Form, Link, useLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { get } from "../../lib/api";
import { label, when } from "../../lib/format";
import { DataTable, Pager } from "../../components/DataTable";
import { TextField } from "../../components/forms";
import { listQuery } from "../../components/lists";
import type { Page } from "../../components/records";
import { AccountPicker } from "../accounts/AccountPicker";
import { useAccountNames } from "../accounts/account";
import { StatusBadge } from "../orders/documents";
import { StatusLinks } from "../orders/OrderList";
import { RETURN_STATUSES, type Return } from "./rma";

const LIST_KEYS = ["q", "account_id", "order_id", "status", "sort", "cursor", "limit"];

export async function returnListLoader({ request: req }: LoaderFunctionArgs): Promise<Page<Return>> {
  return get<Page<Return>>("/returns", listQuery(new URL(req.url).searchParams, LIST_KEYS), req.signal);
}

export function ReturnList() {
  const page = useLoaderData() as Page<Return>;
  const [params] = useSearchParams();
  const [account, setAccount] = useState(params.get("account_id") ?? "");
  useEffect(() => setAccount(params.get("account_id") ?? ""), [params]);
  const names = useAccountNames(page.items.map((r) => r.account_id));
  const columns = useMemo<ColumnDef<Return, any>[]>(() => [
    { id: "number", header: "Number", meta: { sortKey: "number" }, cell: ({ row }) => <Link to={`/returns/${row.original.id}`}>{row.original.number}</Link> },
    { id: "order", header: "Order", cell: ({ row }) => <Link to={`/orders/${row.original.order_id}`}>{row.original.order_number}</Link> },
    {
      id: "account", header: "Account",
      cell: ({ row }) => <Link to={`/accounts/${row.original.account_id}`}>{names[row.original.account_id] ?? "Account"}</Link>,
    },
    { id: "status", header: "Status", cell: ({ row }) => <StatusBadge status={row.original.status} /> },
    { id: "reason", header: "Reason", cell: ({ row }) => label(row.original.reason) },
    { id: "resolution", header: "Resolution", cell: ({ row }) => label(row.original.resolution) },
    { id: "created_at", header: "Opened", meta: { sortKey: "created_at" }, cell: ({ row }) => when(row.original.created_at) },
  ], [names]);
  return (
    <section>
      <div className="page-head"><h1>Returns</h1></div>
      <StatusLinks statuses={RETURN_STATUSES} name="Returns" />
      <Form method="get" className="toolbar" role="search" aria-label="Filter returns">
        {params.get("status") && <input type="hidden" name="status" value={params.get("status")!} />}
        <TextField label="Number" name="q" type="search" defaultValue={params.get("q") ?? ""} key={`q${params.get("q")}`} />
        <AccountPicker name="account_id" value={account} onChange={setAccount} placeholder="Any account" />
        {params.get("sort") && <input type="hidden" name="sort" value={params.get("sort")!} />}
        <button type="submit">Filter</button>
        <Link to="?" className="button secondary">Clear</Link>
      </Form>
      <DataTable caption="Returns" columns={columns} data={page.items} rowId={(r) => r.id}
        empty={<>No return matches these filters. Returns are started from a delivered order.</>} />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
