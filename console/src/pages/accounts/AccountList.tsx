// The account list (by name): filters and page in the URL; type links; saved
// views; bulk owner change; CSV export of what is shown.
import { useMemo, useState } from "react";
import { Form, Link, useLoaderData, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef, RowSelectionState } from "@tanstack/react-table";
import { get, request } from "../../lib/api";
import { label, plural } from "../../lib/format";
import { useCan } from "../../lib/session";
import { DataTable, Pager } from "../../components/DataTable";
import { OwnerSelect, type Page } from "../../components/records";
import { TextField } from "../../components/forms";
import { SavedViews, type SavedView } from "../../components/SavedViews";
import { eachRecord, ExportLink, FilterLinks, listQuery, withFilter } from "../../components/lists";
import { accountName, knowAccountNames, ACCOUNT_TYPES, type Account } from "./account";

interface Data {
  page: Page<Account>;
  views: SavedView[];
  parentName: string | null;
}

const FILTERS = ["q", "type", "owner", "industry", "country", "parent_id", "include_merged"];
const LIST_KEYS = [...FILTERS, "sort", "cursor", "limit"];

export async function accountListLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(req.url).searchParams;
  const parent = params.get("parent_id");
  const [page, views, parentName] = await Promise.all([
    get<Page<Account>>("/accounts", listQuery(params, LIST_KEYS), req.signal),
    get<{ items: SavedView[] }>("/views", { list: "accounts" }, req.signal).then((v) => v.items).catch(() => []),
    parent ? accountName(parent) : Promise.resolve(null),
  ]);
  knowAccountNames(page.items);
  return { page, views, parentName };
}

function BulkOwner({ selected, done }: { selected: Account[]; done: (message: string) => void }) {
  const [owner, setOwner] = useState("");
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    const message = await eachRecord(selected,
      (a) => request(`/accounts/${a.id}`, { method: "PATCH", body: { owner }, ifMatch: `"${a.version}"` }),
      (a) => a.name, "account");
    setBusy(false);
    done(message);
  };
  return (
    <div className="bulk" role="region" aria-label="Change the selected accounts">
      <strong>{plural(selected.length, "account")} selected</strong>
      <OwnerSelect label="Assign to" value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="Pick an owner" />
      <button type="button" disabled={!owner || busy} onClick={run}>Assign</button>
    </div>
  );
}

export function AccountList() {
  const { page, views, parentName } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const can = useCan();
  const revalidator = useRevalidator();
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [message, setMessage] = useState<string>();
  const parent = params.get("parent_id");

  const columns = useMemo<ColumnDef<Account, any>[]>(() => [
    {
      id: "name", header: "Name", meta: { sortKey: "name" },
      cell: ({ row }) => (
        <>
          <Link to={`/accounts/${row.original.id}`}>{row.original.name}</Link>
          {row.original.merged_into && <> <span className="badge">Merged</span></>}
        </>
      ),
    },
    { id: "type", header: "Type", cell: ({ row }) => <span className={`badge ${row.original.type}`}>{label(row.original.type)}</span> },
    { id: "domain", header: "Domain", cell: ({ row }) => row.original.domain ?? "—" },
    { id: "industry", header: "Industry", cell: ({ row }) => row.original.industry ?? "—" },
    { id: "country", header: "Country", cell: ({ row }) => row.original.country ?? "—" },
    { id: "size", header: "Employees", meta: { numeric: true }, cell: ({ row }) => row.original.size?.toLocaleString() ?? "—" },
    { id: "owner", header: "Owner", cell: ({ row }) => row.original.owner ?? "—" },
  ], []);

  const selected = page.items.filter((a) => selection[a.id]);

  return (
    <section>
      <div className="page-head">
        <h1>Accounts</h1>
        <div className="actions">
          {can("accounts:write") && <Link className="button" to="/accounts/new">New account</Link>}
          <ExportLink list="accounts" params={params} keys={[...FILTERS, "sort"]} />
        </div>
      </div>

      <SavedViews list="accounts" views={views} onSaved={() => revalidator.revalidate()} />

      <FilterLinks label="Accounts by type" param="type" all="All types"
        options={ACCOUNT_TYPES.map((t) => ({ value: t, label: label(t) }))} />

      <Form method="get" className="toolbar" role="search" aria-label="Filter accounts">
        {params.get("sort") && <input type="hidden" name="sort" value={params.get("sort")!} />}
        {params.get("type") && <input type="hidden" name="type" value={params.get("type")!} />}
        {parent && <input type="hidden" name="parent_id" value={parent} />}
        <TextField label="Name or domain" name="q" type="search" defaultValue={params.get("q") ?? ""} key={`q${params.get("q")}`} />
        <OwnerSelect label="Owner" name="owner" defaultValue={params.get("owner") ?? ""} key={`o${params.get("owner")}`}
          current={params.get("owner")} placeholder="Anyone" />
        <TextField label="Industry" name="industry" defaultValue={params.get("industry") ?? ""} key={`i${params.get("industry")}`} />
        <TextField label="Country code" name="country" maxLength={2} autoCapitalize="characters" placeholder="DE"
          defaultValue={params.get("country") ?? ""} key={`c${params.get("country")}`} />
        <div className="field">
          <label className="tick">
            <input type="checkbox" name="include_merged" value="true" defaultChecked={params.get("include_merged") === "true"}
              key={`m${params.get("include_merged")}`} /> Show merged accounts
          </label>
        </div>
        <button type="submit">Filter</button>
        <Link to="?" className="button secondary">Clear</Link>
      </Form>

      {parent && (
        <p className="alert info">
          Child accounts of {parentName ? <Link to={`/accounts/${parent}`}>{parentName}</Link> : "one account"}.{" "}
          <Link to={withFilter(params, "parent_id", null)}>Show all accounts</Link>
        </p>
      )}
      {message && <p role="status" className="alert info">{message}</p>}
      {can("accounts:write") && selected.length > 0 && (
        <BulkOwner selected={selected} done={(text) => { setMessage(text); setSelection({}); revalidator.revalidate(); }} />
      )}
      <DataTable caption="Accounts" columns={columns} data={page.items} rowId={(a) => a.id}
        selection={selection} onSelectionChange={can("accounts:write") ? setSelection : undefined}
        empty={<>No account matches these filters. <Link to="?">Clear the filters</Link>.</>} />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
