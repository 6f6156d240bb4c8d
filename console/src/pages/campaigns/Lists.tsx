// /segments/lists and /segments/lists/:listId: static lists (people added by
// hand or imported from a CSV of email addresses; the rows that match nobody
// are listed, never dropped silently).
import { useEffect, useState } from "react";
import { Link, useLoaderData, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag, post, Problem, request } from "../../lib/api";
import { plural, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert, TextField } from "../../components/forms";
import type { Page } from "../../components/records";
import { PersonPicker } from "./PersonPicker";
import { personName, type ImportResult, type Person, type PersonEntry, type StaticList } from "./campaign";
import "./campaigns.css";

export async function listsLoader({ request: req }: LoaderFunctionArgs): Promise<Page<StaticList>> {
  return get<Page<StaticList>>("/campaigns/lists", { limit: 100, cursor: new URL(req.url).searchParams.get("cursor") ?? undefined }, req.signal);
}

function listCount(l: StaticList): string {
  return typeof l.member_count === "number" ? plural(l.member_count, "person", "people") : "";
}

function NewList() {
  const revalidator = useRevalidator();
  const [name, setName] = useState("");
  const [error, setError] = useState<string>();
  const [problem, setProblem] = useState<unknown>();
  const make = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setProblem(undefined);
    if (!name.trim()) {
      setError("Name the list, e.g. Trade fair visitors 2027.");
      return;
    }
    try {
      await post("/campaigns/lists", { name: name.trim() });
      setName("");
      revalidator.revalidate();
    } catch (e) {
      if (e instanceof Problem && e.errors.name) setError(e.errors.name.join(" "));
      else setProblem(e);
    }
  };
  return (
    <form onSubmit={make} noValidate className="toolbar" aria-label="New static list">
      <TextField label="New list's name" value={name} error={error} onChange={(e) => setName(e.target.value)} />
      <button type="submit">Create list</button>
      <FormAlert error={problem} />
    </form>
  );
}

export function ListIndex() {
  const page = useLoaderData() as Page<StaticList>;
  const can = useCan();
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Static lists</h1>
          <p className="muted">People put on a list by hand or by import; unlike a segment, a list changes only when you change it.</p>
        </div>
      </div>
      {can("campaigns:write") && <NewList />}
      {page.items.length === 0 ? <p className="empty">No static lists yet.</p> : (
        <ul className="plain doc-list" aria-label="Static lists">
          {page.items.map((l) => (
            <li key={l.id}>
              <Link to={`/segments/lists/${l.id}`}>{l.name}</Link> <span className="muted">{listCount(l)} · created {when(l.created_at)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export interface ListData {
  list: StaticList;
  etag?: string;
}

export async function listLoader({ params, request: req }: LoaderFunctionArgs): Promise<ListData> {
  const answer = await getWithEtag<StaticList>(`/campaigns/lists/${params.listId}`, req.signal);
  return { list: answer.data, etag: answer.etag };
}

function ImportCsv({ list, done }: { list: StaticList; done: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<ImportResult>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const send = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setResult(undefined);
    if (!file) {
      setError(new Error("Choose a CSV file with an email column (one address a row)."));
      return;
    }
    setBusy(true);
    try {
      const answer = await request<ImportResult>(`/campaigns/lists/${list.id}/import`, { method: "POST", raw: file, headers: { "Content-Type": "text/csv" } });
      setResult(answer.data);
      done();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const missed = result?.rows_not_taken ?? [];
  return (
    <form onSubmit={send} className="panel" aria-label="Import a CSV">
      <h3>Import a CSV</h3>
      <div className="field">
        <label htmlFor="list-csv">CSV file</label>
        <input id="list-csv" type="file" accept=".csv,text/csv" aria-describedby="list-csv-hint"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        <small id="list-csv-hint" className="hint">A header row with an <code>email</code> column; each address is matched to a contact or lead.</small>
      </div>
      <div className="actions"><button type="submit" disabled={busy}>{busy ? "Importing…" : "Import"}</button></div>
      <FormAlert error={error} />
      {result && (
        <div role="status" className={missed.length ? "alert warn" : "alert ok"}>
          <p>
            {plural(result.rows, "row")} read: {plural(result.added, "person", "people")} added
            {result.already_members ? `, ${result.already_members.toLocaleString()} on the list already` : ""}.
            {result.not_taken > 0 && ` ${plural(result.not_taken, "row")} not taken:`}
          </p>
          {missed.length > 0 && (
            <ul className="import-missed">
              {missed.slice(0, 50).map((m, i) => (
                <li key={i}>Line {m.line}: {m.email || "(no address)"} — {m.reason}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  );
}

export function ListPage() {
  const { list } = useLoaderData() as ListData;
  const can = useCan();
  const writable = can("campaigns:write");
  const [reload, setReload] = useState(0);
  const [items, setItems] = useState<PersonEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [person, setPerson] = useState<Person | null>(null);
  const load = async (next: string | null, signal?: AbortSignal) => {
    try {
      const page = await get<Page<PersonEntry>>(`/campaigns/lists/${list.id}/members`, { limit: 50, cursor: next ?? undefined }, signal);
      setItems((old) => (next ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor);
    } catch (e) {
      if (!signal?.aborted) setError(e);
    }
  };
  useEffect(() => {
    const controller = new AbortController();
    load(null, controller.signal);
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [list.id, reload]);
  const add = async () => {
    if (!person) return;
    setError(undefined);
    try {
      await post(`/campaigns/lists/${list.id}/members`, { person_ids: [person.id] });
      setPerson(null);
      setReload((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  };
  const remove = async (p: PersonEntry) => {
    try {
      await post(`/campaigns/lists/${list.id}/members/remove`, { person_ids: [p.person_id] });
      setReload((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{list.name}</h1>
          <p className="muted">Static list · {listCount(list) || "people added by hand or import"}</p>
        </div>
      </div>
      <div className="grid-2">
        <section className="panel" aria-labelledby="list-members-heading">
          <h2 id="list-members-heading">People on the list</h2>
          <FormAlert error={error} />
          {items.length === 0 ? <p className="muted">Nobody is on the list yet.</p> : (
            <ul className="plain doc-list" aria-label="People on the list">
              {items.map((p) => (
                <li key={p.person_id}>
                  {personName(p)} <span className="muted">{p.email ?? ""}{p.source === "import" ? " · imported" : ""}</span>
                  {writable && (
                    <button type="button" className="link" onClick={() => remove(p)} aria-label={`Remove ${personName(p)} from the list`}>Remove</button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {cursor && <button type="button" className="secondary" onClick={() => load(cursor)}>Show more</button>}
        </section>
        {writable && (
          <aside>
            <section className="panel" aria-labelledby="list-add-heading">
              <h2 id="list-add-heading">Add people</h2>
              <PersonPicker label="Person" value={person} onChange={setPerson} />
              <div className="actions"><button type="button" disabled={!person} onClick={add}>Add to the list</button></div>
            </section>
            <ImportCsv list={list} done={() => setReload((n) => n + 1)} />
          </aside>
        )}
      </div>
    </article>
  );
}
