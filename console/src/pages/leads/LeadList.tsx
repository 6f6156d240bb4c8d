// The lead list: filters, sort and page in the URL; clickable status counts;
// saved views; bulk assign / status change; CSV export of what is shown.
import { useMemo, useState } from "react";
import { Form, Link, useLoaderData, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef, RowSelectionState } from "@tanstack/react-table";
import { get, queryString, request, describe } from "../../lib/api";
import { label, when, plural } from "../../lib/format";
import { useCan, useSession } from "../../lib/session";
import { DataTable, Pager } from "../../components/DataTable";
import { OwnerSelect, type Page } from "../../components/records";
import { SelectField, TextField } from "../../components/forms";
import { SavedViews, type SavedView } from "../../components/SavedViews";
import { LEAD_SOURCES, LEAD_STATUSES, leadName, type Lead } from "./lead";

interface Counts {
  total: number;
  by_status: Record<string, number>;
  by_source: Record<string, number>;
}

interface Data {
  page: Page<Lead>;
  counts: Counts;
  views: SavedView[];
}

const FILTERS = ["status", "source", "owner", "q", "score_min", "score_max", "created_from", "created_to"];
const LIST_KEYS = [...FILTERS, "sort", "cursor", "limit"];

/** The API query of the URL's filters (only keys the API knows). */
export function apiQuery(params: URLSearchParams, keys: string[]): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of keys) params.getAll(key).filter(Boolean).forEach((value) => query.append(key, value));
  return query;
}

export async function leadListLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(req.url).searchParams;
  const countQuery = apiQuery(params, FILTERS.filter((k) => k !== "status"));
  const [page, counts, views] = await Promise.all([
    get<Page<Lead>>("/leads", apiQuery(params, LIST_KEYS), req.signal),
    get<Counts>("/leads/counts", countQuery, req.signal),
    get<{ items: SavedView[] }>("/views", { list: "leads" }, req.signal).then((v) => v.items).catch(() => []),
  ]);
  return { page, counts, views };
}

function BulkBar({ selected, leads, done }: { selected: string[]; leads: Lead[]; done: (message: string) => void }) {
  const [owner, setOwner] = useState("");
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);
  const run = async (what: "owner" | "status") => {
    setBusy(true);
    let ok = 0;
    const failed: string[] = [];
    for (const id of selected) {
      const lead = leads.find((l) => l.id === id);
      try {
        if (what === "owner") await request(`/leads/${id}/owner`, { method: "PUT", body: { owner } });
        else await request(`/leads/${id}`, { method: "PATCH", body: { status }, ifMatch: lead ? `"${lead.version}"` : undefined });
        ok += 1;
      } catch (e) {
        failed.push(`${lead ? leadName(lead) : id}: ${describe(e)}`);
      }
    }
    setBusy(false);
    done(`${plural(ok, "lead")} updated.` + (failed.length ? ` ${failed.length} not: ${failed.join(" · ")}` : ""));
  };
  return (
    <div className="bulk" role="region" aria-label="Change the selected leads">
      <strong>{plural(selected.length, "lead")} selected</strong>
      <OwnerSelect label="Assign to" value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="Pick an owner" />
      <button type="button" disabled={!owner || busy} onClick={() => run("owner")}>Assign</button>
      <SelectField label="Set status" value={status} onChange={(e) => setStatus(e.target.value)} placeholder="Pick a status"
        options={["new", "working", "qualified"].map((s) => ({ value: s, label: label(s) }))} />
      <button type="button" disabled={!status || busy} onClick={() => run("status")}>Set status</button>
    </div>
  );
}

export function LeadList() {
  const { page, counts, views } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const can = useCan();
  const session = useSession();
  const revalidator = useRevalidator();
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [message, setMessage] = useState<string>();
  const status = params.get("status");

  const columns = useMemo<ColumnDef<Lead, any>[]>(() => [
    {
      id: "name",
      header: "Name",
      meta: { sortKey: "name" },
      cell: ({ row }) => <Link to={`/leads/${row.original.id}`}>{leadName(row.original)}</Link>,
    },
    { id: "company", header: "Company", meta: { sortKey: "company" }, cell: ({ row }) => row.original.company ?? "—" },
    { id: "email", header: "Email", cell: ({ row }) => row.original.email ?? "—" },
    {
      id: "status", header: "Status",
      cell: ({ row }) => <span className={`badge ${row.original.status}`}>{label(row.original.status)}</span>,
    },
    { id: "score", header: "Score", meta: { sortKey: "score", numeric: true }, cell: ({ row }) => row.original.score },
    { id: "owner", header: "Owner", cell: ({ row }) => row.original.owner ?? "—" },
    { id: "source", header: "Source", cell: ({ row }) => label(row.original.source) },
    { id: "created_at", header: "Created", meta: { sortKey: "created_at" }, cell: ({ row }) => when(row.original.created_at) },
  ], []);

  const countLink = (value: string | null) => {
    const next = new URLSearchParams(params);
    next.delete("cursor");
    if (value) next.set("status", value);
    else next.delete("status");
    return `?${next.toString()}`;
  };
  const exportQuery = apiQuery(params, [...FILTERS, "sort"]);
  const selected = Object.keys(selection).filter((id) => selection[id]);

  return (
    <section>
      <div className="page-head">
        <h1>Leads</h1>
        <div className="actions">
          {can("leads:write") && <Link className="button" to="/leads/new">New lead</Link>}
          {can("leads:write") && <Link className="button secondary" to="/leads/import">Import CSV</Link>}
          <a className="button secondary" href={`/api/v1/leads/export.csv${queryString(exportQuery)}`} download>
            Export CSV
          </a>
        </div>
      </div>

      <SavedViews list="leads" views={views} onSaved={() => revalidator.revalidate()} me={session.user.username} />

      <ul className="counts" aria-label="Leads by status">
        <li><Link to={countLink(null)} aria-current={!status ? "true" : undefined}>All {counts.total.toLocaleString()}</Link></li>
        {LEAD_STATUSES.map((s) => (
          <li key={s}>
            <Link to={countLink(s)} aria-current={status === s ? "true" : undefined}>
              {label(s)} {(counts.by_status[s] ?? 0).toLocaleString()}
            </Link>
          </li>
        ))}
      </ul>

      <Form method="get" className="toolbar" role="search" aria-label="Filter leads">
        {status && <input type="hidden" name="status" value={status} />}
        {params.get("sort") && <input type="hidden" name="sort" value={params.get("sort")!} />}
        <TextField label="Name, email or company" name="q" type="search" defaultValue={params.get("q") ?? ""} key={`q${params.get("q")}`} />
        <SelectField label="Source" name="source" defaultValue={params.get("source") ?? ""} key={`s${params.get("source")}`}
          placeholder="Any source" options={LEAD_SOURCES.map((s) => ({ value: s, label: label(s) }))} />
        <OwnerSelect label="Owner" name="owner" defaultValue={params.get("owner") ?? ""} key={`o${params.get("owner")}`}
          current={params.get("owner")} placeholder="Anyone" />
        <TextField label="Score at least" name="score_min" type="number" min={0} max={100} inputMode="numeric"
          defaultValue={params.get("score_min") ?? ""} key={`m${params.get("score_min")}`} />
        <button type="submit">Filter</button>
        <Link to="?" className="button secondary">Clear</Link>
      </Form>

      {message && <p role="status" className="alert info">{message}</p>}
      {can("leads:write") && selected.length > 0 && (
        <BulkBar selected={selected} leads={page.items}
          done={(text) => { setMessage(text); setSelection({}); revalidator.revalidate(); }} />
      )}
      <DataTable caption="Leads" columns={columns} data={page.items} rowId={(l) => l.id}
        selection={selection} onSelectionChange={can("leads:write") ? setSelection : undefined}
        empty={<>No lead matches these filters. <Link to="?">Clear the filters</Link>.</>} />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
