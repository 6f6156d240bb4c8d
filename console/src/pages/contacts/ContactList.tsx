// The contact list: filters and page in the URL; role links; saved views;
// bulk owner change; CSV export of what is shown.
import { useEffect, useMemo, useState } from "react";
import { Form, Link, useLoaderData, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef, RowSelectionState } from "@tanstack/react-table";
import { get, request } from "../../lib/api";
import { label, plural } from "../../lib/format";
import { useCan } from "../../lib/session";
import { DataTable, Pager } from "../../components/DataTable";
import { OwnerSelect, type Page } from "../../components/records";
import { TextField } from "../../components/forms";
import { SavedViews, type SavedView } from "../../components/SavedViews";
import { eachRecord, ExportLink, FilterLinks, listQuery } from "../../components/lists";
import { AccountPicker } from "../accounts/AccountPicker";
import { useAccountNames } from "../accounts/account";
import { CONTACT_ROLES, contactName, type Contact } from "./contact";

interface Data {
  page: Page<Contact>;
  views: SavedView[];
}

const FILTERS = ["q", "account_id", "role", "owner", "email"];
const LIST_KEYS = [...FILTERS, "sort", "cursor", "limit"];

export async function contactListLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(req.url).searchParams;
  const [page, views] = await Promise.all([
    get<Page<Contact>>("/contacts", listQuery(params, LIST_KEYS), req.signal),
    get<{ items: SavedView[] }>("/views", { list: "contacts" }, req.signal).then((v) => v.items).catch(() => []),
  ]);
  return { page, views };
}

function BulkOwner({ selected, done }: { selected: Contact[]; done: (message: string) => void }) {
  const [owner, setOwner] = useState("");
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    const message = await eachRecord(selected,
      (c) => request(`/contacts/${c.id}`, { method: "PATCH", body: { owner }, ifMatch: `"${c.version}"` }),
      contactName, "contact");
    setBusy(false);
    done(message);
  };
  return (
    <div className="bulk" role="region" aria-label="Change the selected contacts">
      <strong>{plural(selected.length, "contact")} selected</strong>
      <OwnerSelect label="Assign to" value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="Pick an owner" />
      <button type="button" disabled={!owner || busy} onClick={run}>Assign</button>
    </div>
  );
}

export function ContactList() {
  const { page, views } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const can = useCan();
  const revalidator = useRevalidator();
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [message, setMessage] = useState<string>();
  const [account, setAccount] = useState(params.get("account_id") ?? "");
  useEffect(() => setAccount(params.get("account_id") ?? ""), [params]);
  const names = useAccountNames(page.items.map((c) => c.account_id));

  const columns = useMemo<ColumnDef<Contact, any>[]>(() => [
    { id: "name", header: "Name", meta: { sortKey: "name" }, cell: ({ row }) => <Link to={`/contacts/${row.original.id}`}>{contactName(row.original)}</Link> },
    {
      id: "account", header: "Account",
      cell: ({ row }) => (row.original.account_id
        ? <Link to={`/accounts/${row.original.account_id}`}>{names[row.original.account_id] ?? "Account"}</Link> : "—"),
    },
    { id: "title", header: "Title", cell: ({ row }) => row.original.title ?? "—" },
    { id: "email", header: "Email", cell: ({ row }) => row.original.emails[0] ?? "—" },
    { id: "phone", header: "Phone", cell: ({ row }) => row.original.phones[0] ?? "—" },
    { id: "role", header: "Role", cell: ({ row }) => label(row.original.role) },
    { id: "owner", header: "Owner", cell: ({ row }) => row.original.owner ?? "—" },
  ], [names]);

  const selected = page.items.filter((c) => selection[c.id]);

  return (
    <section>
      <div className="page-head">
        <h1>Contacts</h1>
        <div className="actions">
          {can("accounts:write") && <Link className="button" to="/contacts/new">New contact</Link>}
          <ExportLink list="contacts" params={params} keys={[...FILTERS, "sort"]} />
        </div>
      </div>

      <SavedViews list="contacts" views={views} onSaved={() => revalidator.revalidate()} />

      <FilterLinks label="Contacts by role" param="role" all="Any role"
        options={CONTACT_ROLES.map((r) => ({ value: r, label: label(r) }))} />

      <Form method="get" className="toolbar" role="search" aria-label="Filter contacts">
        {params.get("sort") && <input type="hidden" name="sort" value={params.get("sort")!} />}
        {params.get("role") && <input type="hidden" name="role" value={params.get("role")!} />}
        <TextField label="Name or email" name="q" type="search" defaultValue={params.get("q") ?? ""} key={`q${params.get("q")}`} />
        <TextField label="Any of its emails" name="email" type="email" defaultValue={params.get("email") ?? ""} key={`e${params.get("email")}`} />
        <OwnerSelect label="Owner" name="owner" defaultValue={params.get("owner") ?? ""} key={`o${params.get("owner")}`}
          current={params.get("owner")} placeholder="Anyone" />
        <AccountPicker name="account_id" value={account} onChange={setAccount} placeholder="Any account" />
        <button type="submit">Filter</button>
        <Link to="?" className="button secondary">Clear</Link>
      </Form>

      {message && <p role="status" className="alert info">{message}</p>}
      {can("accounts:write") && selected.length > 0 && (
        <BulkOwner selected={selected} done={(text) => { setMessage(text); setSelection({}); revalidator.revalidate(); }} />
      )}
      <DataTable caption="Contacts" columns={columns} data={page.items} rowId={(c) => c.id}
        selection={selection} onSelectionChange={can("accounts:write") ? setSelection : undefined}
        empty={<>No contact matches these filters. <Link to="?">Clear the filters</Link>.</>} />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
