// /campaigns: every campaign, newest first; status links (All · Planned ·
// Active · ...), filters by type, owner and text, sort and cursor, all in the
// query string so Back and a shared link restore them.
import { Form, Link, useLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { get } from "../../lib/api";
import { day, label, money } from "../../lib/format";
import { useCan } from "../../lib/session";
import { DataTable, Pager } from "../../components/DataTable";
import { SelectField, TextField } from "../../components/forms";
import { FilterLinks, listQuery } from "../../components/lists";
import type { Page } from "../../components/records";
import { campaignStatusClass, statusOptions, typeOptions, type Campaign } from "./campaign";
import "./campaigns.css";

const FILTERS = ["q", "status", "type", "owner"];
const LIST_KEYS = [...FILTERS, "sort", "cursor", "limit"];

export async function campaignListLoader({ request: req }: LoaderFunctionArgs): Promise<Page<Campaign>> {
  const params = new URL(req.url).searchParams;
  return get<Page<Campaign>>("/campaigns", listQuery(params, LIST_KEYS), req.signal);
}

export function CampaignStatus({ status }: { status: string }) {
  return <span className={campaignStatusClass(status)}>{label(status)}</span>;
}

const columns: ColumnDef<Campaign, any>[] = [
  {
    header: "Name", meta: { sortKey: "name" },
    cell: ({ row }) => <Link to={`/campaigns/${row.original.id}`}>{row.original.name}</Link>,
  },
  { header: "Type", cell: ({ row }) => label(row.original.type) },
  { header: "Status", cell: ({ row }) => <CampaignStatus status={row.original.status} /> },
  { header: "Starts", meta: { sortKey: "starts_on" }, cell: ({ row }) => day(row.original.starts_on) },
  { header: "Ends", cell: ({ row }) => day(row.original.ends_on) },
  { header: "Owner", cell: ({ row }) => row.original.owner ?? "—" },
  {
    header: "Budget", meta: { numeric: true },
    cell: ({ row }) => money(row.original.budget, row.original.currency),
  },
];

export function CampaignList() {
  const page = useLoaderData() as Page<Campaign>;
  const [params] = useSearchParams();
  const can = useCan();
  const filtered = FILTERS.some((key) => params.get(key));
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Campaigns</h1>
          <p className="muted">Who a campaign reaches, what it cost and what it brought in.</p>
        </div>
        <div className="actions">
          <Link className="button secondary" to="/campaigns/templates">Email templates</Link>
          <Link className="button secondary" to="/segments">Segments</Link>
          {can("campaigns:write") && <Link className="button" to="/campaigns/new">New campaign</Link>}
        </div>
      </div>
      <FilterLinks label="Status" param="status" options={statusOptions} />
      <Form method="get" className="toolbar" role="search" aria-label="Filter campaigns">
        <TextField label="Name" name="q" type="search" defaultValue={params.get("q") ?? ""} key={`q${params.get("q")}`} />
        <SelectField label="Type" name="type" options={typeOptions} placeholder="Any type"
          defaultValue={params.get("type") ?? ""} key={`t${params.get("type")}`} />
        {params.get("status") && <input type="hidden" name="status" value={params.get("status")!} />}
        <button type="submit">Filter</button>
        {filtered && <Link to="?" className="button secondary">Clear</Link>}
      </Form>
      <DataTable caption="Campaigns" columns={columns} data={page.items} rowId={(c) => c.id}
        empty={filtered ? <>No campaign matches these filters. <Link to="?">Clear the filters</Link>.</> : "No campaigns yet."} />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
