// /segments: the segments (with how many people each holds now), and the way
// to static lists and the suppression list.
import { Link, useLoaderData, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { get } from "../../lib/api";
import { when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { DataTable, Pager } from "../../components/DataTable";
import { listQuery } from "../../components/lists";
import type { Page } from "../../components/records";
import { segmentCount, type Segment } from "./campaign";
import "./campaigns.css";

const LIST_KEYS = ["q", "sort", "cursor", "limit"];

export async function segmentListLoader({ request: req }: LoaderFunctionArgs): Promise<Page<Segment>> {
  const params = new URL(req.url).searchParams;
  return get<Page<Segment>>("/campaigns/segments", listQuery(params, LIST_KEYS), req.signal);
}

const columns: ColumnDef<Segment, any>[] = [
  { header: "Name", cell: ({ row }) => <Link to={`/segments/${row.original.id}`}>{row.original.name}</Link> },
  { header: "People", meta: { numeric: true }, cell: ({ row }) => segmentCount(row.original)?.toLocaleString() ?? "—" },
  { header: "Description", cell: ({ row }) => row.original.description ?? "—" },
  { header: "Changed", cell: ({ row }) => when(row.original.updated_at) },
];

export function SegmentList() {
  const page = useLoaderData() as Page<Segment>;
  const can = useCan();
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Segments</h1>
          <p className="muted">Groups of people described by a rule; they stay current as people change.</p>
        </div>
        <div className="actions">
          <Link className="button secondary" to="/segments/lists">Static lists</Link>
          <Link className="button secondary" to="/segments/suppressions">Suppression list</Link>
          {can("campaigns:write") && <Link className="button" to="/segments/new">New segment</Link>}
        </div>
      </div>
      <DataTable caption="Segments" columns={columns} data={page.items} rowId={(s) => s.id}
        empty={can("campaigns:write") ? <>No segments yet. <Link to="/segments/new">Build the first one</Link>.</> : "No segments yet."} />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
