// What every record page shares: the history of changes, the activity
// timeline with "log a call, meeting, note or task", and the owner picker.
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { get, post, request, type Query } from "../lib/api";
import { label, when } from "../lib/format";
import { useCan } from "../lib/session";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "./forms";

export interface Change {
  at: string;
  actor: string | null;
  action: string;
  changes: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "(empty)";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A record's history: who changed what (old -> new) and when; "Show more" pages on. */
export function History({ path, version }: { path: string; version?: number }) {
  const [items, setItems] = useState<Change[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const load = async (next: string | null, signal?: AbortSignal) => {
    try {
      const page = await get<Page<Change>>(path, { limit: 20, cursor: next ?? undefined }, signal);
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
  }, [path, version]);
  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <FormAlert error={error} />
      {items.length === 0 && !error && <p className="muted">No changes recorded yet.</p>}
      <ol className="timeline">
        {items.map((item, index) => (
          <li key={`${item.at}-${index}`}>
            <div className="meta">{when(item.at)} · {item.actor ?? "system"} · {label(item.action)}</div>
            <ul className="change">
              {Object.entries(item.changes ?? {}).map(([field, value]) =>
                Array.isArray(value) && value.length === 2 ? (
                  <li key={field}>{label(field)}: <del>{show(value[0])}</del> → <ins>{show(value[1])}</ins></li>
                ) : (
                  <li key={field}>{label(field)}: {show(value)}</li>
                ),
              )}
            </ul>
          </li>
        ))}
      </ol>
      {cursor && <button type="button" className="secondary" onClick={() => load(cursor)}>Show older changes</button>}
    </section>
  );
}

export interface Activity {
  id: string;
  kind: "call" | "meeting" | "task" | "note";
  subject: string;
  body: string | null;
  status: "open" | "done" | "cancelled";
  due_at: string | null;
  occurred_at: string;
  completed_at: string | null;
  owner: string | null;
  account_id: string | null;
  contact_id: string | null;
  opportunity_id: string | null;
  lead_id: string | null;
  version: number;
}

interface LogValues {
  kind: Activity["kind"];
  subject: string;
  body: string;
  due_at: string;
  owner: string;
}

/** "datetime-local" input value -> an aware ISO timestamp in the browser's zone. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The activities of a record, newest first, and a form to log one. `link` is {lead_id: ...} or similar. */
export function Activities({ link, timelinePath }: { link: Record<string, string>; timelinePath?: string }) {
  const can = useCan();
  const [items, setItems] = useState<Activity[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [logged, setLogged] = useState(0);
  const path = timelinePath ?? "/activities";
  const query: Query = timelinePath ? {} : link;
  const load = async (next: string | null, signal?: AbortSignal) => {
    try {
      const page = await get<Page<Activity>>(path, { ...query, limit: 20, cursor: next ?? undefined }, signal);
      setItems((old) => (next ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setError(undefined);
    } catch (e) {
      if (!signal?.aborted) setError(e);
    }
  };
  // An account's timeline is part of the account (accounts:read); the activity list needs sales:read.
  const readable = timelinePath !== undefined || can("sales:read");
  useEffect(() => {
    if (!readable) return;
    const controller = new AbortController();
    load(null, controller.signal);
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, JSON.stringify(link), logged]);

  const complete = async (activity: Activity) => {
    try {
      await request(`/activities/${activity.id}`, { method: "PATCH", body: { status: "done" }, ifMatch: `"${activity.version}"` });
      setLogged((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  };

  if (!readable) return null;
  return (
    <section className="panel" aria-labelledby="activities-heading">
      <h2 id="activities-heading">Activities</h2>
      {can("sales:write") && <LogActivity link={link} onLogged={() => setLogged((n) => n + 1)} />}
      <FormAlert error={error} />
      {items.length === 0 && !error && <p className="muted">Nothing logged yet.</p>}
      <ol className="timeline">
        {items.map((a) => (
          <li key={a.id}>
            <div className="meta">
              {label(a.kind)} · {when(a.occurred_at)} · {a.owner ?? "no owner"} ·{" "}
              <span className={`badge ${a.status}`}>{label(a.status)}</span>
              {a.due_at && a.status === "open" && <> · due {when(a.due_at)}</>}
            </div>
            <strong>{a.subject}</strong>
            {a.body && <p>{a.body}</p>}
            {a.status === "open" && can("sales:write") && (
              <button type="button" className="secondary" onClick={() => complete(a)}>Mark “{a.subject}” done</button>
            )}
          </li>
        ))}
      </ol>
      {cursor && <button type="button" className="secondary" onClick={() => load(cursor)}>Show older activities</button>}
    </section>
  );
}

export function LogActivity({ link, onLogged }: { link: Record<string, string>; onLogged: () => void }) {
  const [open, setOpen] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, reset, watch, formState } = useForm<LogValues>({
    defaultValues: { kind: "call", subject: "", body: "", due_at: "", owner: "" },
  });
  const kind = watch("kind");
  const submit = async (values: LogValues) => {
    setGeneral([]);
    try {
      await post("/activities", {
        ...link,
        kind: values.kind,
        subject: values.subject,
        body: values.body || undefined,
        due_at: localToIso(values.due_at),
        owner: values.owner || undefined,
      });
      reset({ kind: values.kind, subject: "", body: "", due_at: "", owner: "" });
      setOpen(false);
      onLogged();
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["kind", "subject", "body", "due_at", "owner"]));
    }
  };
  if (!open) {
    return (
      <div className="actions">
        <button type="button" onClick={() => setOpen(true)}>Log a call, meeting, note or task</button>
      </div>
    );
  }
  return (
    <form onSubmit={handleSubmit(submit)} noValidate className="panel" aria-label="Log an activity">
      <div className="form-grid">
        <SelectField label="Kind" options={["call", "meeting", "task", "note"].map((k) => ({ value: k, label: label(k) }))}
          error={formState.errors.kind?.message} {...register("kind")} />
        <TextField label="Subject" error={formState.errors.subject?.message} autoFocus
          {...register("subject", { required: "Say in one line what it was about." })} />
        {kind !== "note" && (
          <TextField label={kind === "task" ? "Due" : "When"} type="datetime-local"
            error={formState.errors.due_at?.message} {...register("due_at")} />
        )}
      </div>
      <TextArea label="Details" error={formState.errors.body?.message} {...register("body")} />
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>Save {label(kind).toLowerCase()}</button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>Cancel</button>
      </div>
    </form>
  );
}

export interface DirectoryUser {
  username: string;
  display_name: string | null;
  role: string;
}

let directory: Promise<DirectoryUser[]> | undefined;

/** Every active user, page after page (the directory is sorted by username). */
async function allUsers(): Promise<DirectoryUser[]> {
  const users: DirectoryUser[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<DirectoryUser> = await get<Page<DirectoryUser>>("/users/directory", { limit: 500, cursor: cursor ?? undefined });
    users.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return users;
}

/** The suite's active users (for owner pickers), fetched once per page load. */
export function useDirectory(): DirectoryUser[] {
  const [users, setUsers] = useState<DirectoryUser[]>([]);
  useEffect(() => {
    directory ??= allUsers().catch(() => {
        directory = undefined;
        return [];
      });
    let live = true;
    directory.then((list) => live && setUsers(list));
    return () => {
      live = false;
    };
  }, []);
  return users;
}

type OwnerProps = Omit<React.SelectHTMLAttributes<HTMLSelectElement>, "children"> & {
  label?: string;
  error?: string;
  /** The owner(s) set now (several with `multiple`). */
  current?: string | string[] | null;
  placeholder?: string;
  hint?: React.ReactNode;
};

/** A select of the suite's users; an owner not (or no longer) among them still shows. With `multiple`: no "nobody" choice. */
export function OwnerSelect({ label: text = "Owner", error, current, placeholder = "(nobody)", ...select }: OwnerProps) {
  const users = useDirectory();
  const options = users.map((u) => ({ value: u.username, label: u.display_name ? `${u.display_name} (${u.username})` : u.username }));
  for (const owner of (Array.isArray(current) ? current : current ? [current] : []).slice().reverse()) {
    if (!users.some((u) => u.username === owner)) options.unshift({ value: owner, label: users.length ? `${owner} (not an active user)` : owner });
  }
  return <SelectField label={text} error={error} options={options} placeholder={select.multiple ? undefined : placeholder} {...select} />;
}
