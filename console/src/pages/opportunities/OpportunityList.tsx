// The opportunity list: filters, sort and page in the URL; open / won / lost
// links; saved views; bulk owner or stage change; CSV export of what is shown.
import { useEffect, useMemo, useState } from "react";
import { Form, Link, useLoaderData, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef, RowSelectionState } from "@tanstack/react-table";
import { get, request } from "../../lib/api";
import { day, label, money, plural, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { DataTable, Pager } from "../../components/DataTable";
import { OwnerSelect, type Page } from "../../components/records";
import { SelectField, TextField } from "../../components/forms";
import { SavedViews, type SavedView } from "../../components/SavedViews";
import { eachRecord, ExportLink, FilterLinks, listQuery } from "../../components/lists";
import { AccountPicker } from "../accounts/AccountPicker";
import { useAccountNames } from "../accounts/account";
import { CATEGORIES, loadPipelines, stageName, stageOf, type Opportunity, type Pipeline } from "./opportunity";

interface Data {
  page: Page<Opportunity>;
  views: SavedView[];
  pipelines: Pipeline[];
}

const FILTERS = ["q", "account_id", "owner", "pipeline_id", "stage", "category", "close_from", "close_to"];
const LIST_KEYS = [...FILTERS, "sort", "cursor", "limit"];

export async function opportunityListLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(req.url).searchParams;
  const [page, views, pipelines] = await Promise.all([
    get<Page<Opportunity>>("/opportunities", listQuery(params, LIST_KEYS), req.signal),
    get<{ items: SavedView[] }>("/views", { list: "opportunities" }, req.signal).then((v) => v.items).catch(() => []),
    loadPipelines(req.signal).catch(() => []),
  ]);
  return { page, views, pipelines };
}

function BulkBar({ selected, pipelines, done }: { selected: Opportunity[]; pipelines: Pipeline[]; done: (message: string) => void }) {
  const [owner, setOwner] = useState("");
  const [target, setTarget] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  // The stages of the pipelines the selected opportunities are in, as "pipeline/stage".
  const inUse = pipelines.filter((p) => selected.some((o) => o.pipeline_id === p.id));
  const options = inUse.flatMap((p) => p.stages.map((s) => ({
    value: `${p.id}/${s.key}`,
    label: inUse.length > 1 ? `${p.name}: ${s.name}` : s.name,
  })));
  const [pipelineId, stageKey] = target.split("/");
  const lost = target ? stageOf(pipelines, pipelineId, stageKey)?.category === "lost" : false;
  const run = async (what: "owner" | "stage") => {
    setBusy(true);
    const message = await eachRecord(selected, async (o) => {
      if (what === "stage" && o.pipeline_id !== pipelineId) {
        throw new Error(`it is in another pipeline (${pipelines.find((p) => p.id === o.pipeline_id)?.name ?? o.pipeline_id}).`);
      }
      const body = what === "owner" ? { owner } : lost ? { stage: stageKey, loss_reason: reason.trim() } : { stage: stageKey };
      return request(`/opportunities/${o.id}`, { method: "PATCH", body, ifMatch: `"${o.version}"` });
    }, (o) => o.name, "opportunity", "opportunities");
    setBusy(false);
    done(message);
  };
  return (
    <div className="bulk" role="region" aria-label="Change the selected opportunities">
      <strong>{plural(selected.length, "opportunity", "opportunities")} selected</strong>
      <OwnerSelect label="Assign to" value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="Pick an owner" />
      <button type="button" disabled={!owner || busy} onClick={() => run("owner")}>Assign</button>
      <SelectField label="Move to stage" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="Pick a stage" options={options} />
      {lost && <TextField label="Why were they lost?" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />}
      <button type="button" disabled={!target || busy || (lost && !reason.trim())} onClick={() => run("stage")}>Move</button>
    </div>
  );
}

export function OpportunityList() {
  const { page, views, pipelines } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const can = useCan();
  const revalidator = useRevalidator();
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [message, setMessage] = useState<string>();
  const [account, setAccount] = useState(params.get("account_id") ?? "");
  useEffect(() => setAccount(params.get("account_id") ?? ""), [params]);
  const names = useAccountNames(page.items.map((o) => o.account_id));
  const pipelineId = params.get("pipeline_id");

  const columns = useMemo<ColumnDef<Opportunity, any>[]>(() => [
    { id: "name", header: "Name", meta: { sortKey: "name" }, cell: ({ row }) => <Link to={`/opportunities/${row.original.id}`}>{row.original.name}</Link> },
    {
      id: "account", header: "Account",
      cell: ({ row }) => <Link to={`/accounts/${row.original.account_id}`}>{names[row.original.account_id] ?? "Account"}</Link>,
    },
    {
      id: "stage", header: "Stage",
      cell: ({ row }) => <span className={`badge ${row.original.category}`}>{stageName(pipelines, row.original.pipeline_id, row.original.stage)}</span>,
    },
    { id: "amount", header: "Amount", meta: { numeric: true }, cell: ({ row }) => money(row.original.amount, row.original.currency) },
    { id: "probability", header: "Probability", meta: { numeric: true }, cell: ({ row }) => `${row.original.probability} %` },
    { id: "close", header: "Close", meta: { sortKey: "expected_close_date" }, cell: ({ row }) => day(row.original.closed_on ?? row.original.expected_close_date) },
    { id: "owner", header: "Owner", cell: ({ row }) => row.original.owner ?? "—" },
    { id: "updated_at", header: "Changed", meta: { sortKey: "updated_at" }, cell: ({ row }) => when(row.original.updated_at) },
  ], [names, pipelines]);

  // The stages the stage filter offers: the chosen pipeline's, else every pipeline's (by key).
  const stageOptions = useMemo(() => {
    const shown = pipelineId ? pipelines.filter((p) => p.id === pipelineId) : pipelines;
    const seen = new Map<string, string>();
    for (const p of shown) for (const s of p.stages) if (!seen.has(s.key)) seen.set(s.key, s.name);
    return [...seen].map(([value, text]) => ({ value, label: text }));
  }, [pipelines, pipelineId]);

  const selected = page.items.filter((o) => selection[o.id]);

  return (
    <section>
      <div className="page-head">
        <h1>Opportunities</h1>
        <div className="actions">
          {can("sales:write") && <Link className="button" to="/opportunities/new">New opportunity</Link>}
          <ExportLink list="opportunities" params={params} keys={[...FILTERS, "sort"]} />
        </div>
      </div>

      <SavedViews list="opportunities" views={views} onSaved={() => revalidator.revalidate()} />

      <FilterLinks label="Opportunities by status" param="category" all="All"
        options={CATEGORIES.map((c) => ({ value: c, label: label(c) }))} />

      <Form method="get" className="toolbar" role="search" aria-label="Filter opportunities">
        {params.get("category") && <input type="hidden" name="category" value={params.get("category")!} />}
        <TextField label="Name" name="q" type="search" defaultValue={params.get("q") ?? ""} key={`q${params.get("q")}`} />
        <OwnerSelect label="Owner" name="owner" defaultValue={params.get("owner") ?? ""} key={`o${params.get("owner")}`}
          current={params.get("owner")} placeholder="Anyone" />
        {pipelines.length > 1 && (
          <SelectField label="Pipeline" name="pipeline_id" defaultValue={pipelineId ?? ""} key={`p${pipelineId}`} placeholder="Any pipeline"
            options={pipelines.map((p) => ({ value: p.id, label: p.name }))} />
        )}
        <SelectField label="Stage" name="stage" defaultValue={params.get("stage") ?? ""} key={`s${params.get("stage")}${pipelineId}`}
          placeholder="Any stage" options={stageOptions} />
        <TextField label="Closing from" name="close_from" type="date" defaultValue={params.get("close_from") ?? ""} key={`f${params.get("close_from")}`} />
        <TextField label="Closing by" name="close_to" type="date" defaultValue={params.get("close_to") ?? ""} key={`t${params.get("close_to")}`} />
        <AccountPicker name="account_id" value={account} onChange={setAccount} placeholder="Any account" />
        {params.get("sort") && <input type="hidden" name="sort" value={params.get("sort")!} />}
        <button type="submit">Filter</button>
        <Link to="?" className="button secondary">Clear</Link>
      </Form>

      {message && <p role="status" className="alert info">{message}</p>}
      {can("sales:write") && selected.length > 0 && (
        <BulkBar selected={selected} pipelines={pipelines}
          done={(text) => { setMessage(text); setSelection({}); revalidator.revalidate(); }} />
      )}
      <DataTable caption="Opportunities" columns={columns} data={page.items} rowId={(o) => o.id}
        selection={selection} onSelectionChange={can("sales:write") ? setSelection : undefined}
        empty={<>No opportunity matches these filters. <Link to="?">Clear the filters</Link>.</>} />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
