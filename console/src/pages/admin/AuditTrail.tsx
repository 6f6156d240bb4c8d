// The audit trail: who changed users, roles and API tokens, and console
// sign-ins; the whole trail (filtered in the URL) or one user's.
import { useEffect, useState } from "react";
import { Form, Link, useLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { get, Problem } from "../../lib/api";
import { label, when } from "../../lib/format";
import { Pager } from "../../components/DataTable";
import { browserName } from "../../components/browser";
import { FormAlert, SelectField, TextField } from "../../components/forms";
import type { Page } from "../../components/records";
import { AUDIT_ACTIONS, AUDIT_LABELS, type AuditEvent } from "./users";

function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "(empty)";
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return when(value);
  return String(value);
}

/** A sign-in or sign-out in one line; other events list what changed. */
function Changes({ event }: { event: AuditEvent }) {
  if (event.action.startsWith("session.")) {
    const agent = event.changes?.user_agent;
    return typeof agent === "string" ? <p className="change">On {browserName(agent)}</p> : null;
  }
  return (
    <ul className="change audit-changes">
      {Object.entries(event.changes ?? {}).map(([field, value]) =>
        Array.isArray(value) && value.length === 2 ? (
          <li key={field}>{label(field)}: <del>{show(value[0])}</del> → <ins>{show(value[1])}</ins></li>
        ) : (
          <li key={field}>{label(field)}: {show(value)}</li>
        ),
      )}
    </ul>
  );
}

export function AuditEvents({ items, linkUsers = false }: { items: AuditEvent[]; linkUsers?: boolean }) {
  return (
    <ol className="timeline">
      {items.map((event) => (
        <li key={event.id}>
          <div className="meta">
            {when(event.occurred_at)} · by {event.actor}
            {linkUsers && (
              <> · about <Link to={`/admin/users/${event.user_id}`}>{event.username}</Link></>
            )}
          </div>
          <strong>{AUDIT_LABELS[event.action] ?? label(event.action)}</strong>
          <Changes event={event} />
        </li>
      ))}
    </ol>
  );
}

/** One user's audit trail (their account and their tokens), newest first; "Show older" pages on. */
export function UserAudit({ userId }: { userId: string }) {
  const [items, setItems] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>();
  const load = async (next: string | null, signal?: AbortSignal) => {
    try {
      const page = await get<Page<AuditEvent>>("/audit", { user_id: userId, limit: 20, cursor: next ?? undefined }, signal);
      setItems((old) => (next ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setLoaded(true);
    } catch (e) {
      if (!signal?.aborted) setError(e);
    }
  };
  useEffect(() => {
    const controller = new AbortController();
    load(null, controller.signal);
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [userId]);
  return (
    <section className="panel" aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit trail</h2>
      <FormAlert error={error} />
      {loaded && items.length === 0 && <p className="muted">Nothing recorded yet.</p>}
      <AuditEvents items={items} />
      {cursor && <button type="button" className="secondary" onClick={() => load(cursor)}>Show older events</button>}
    </section>
  );
}

const KEYS = ["user_id", "actor", "action", "cursor", "limit"];

interface AuditData {
  page: Page<AuditEvent>;
  /** A filter the API refused (shown next to the filters, not as an error page). */
  refused?: Problem;
}

export async function auditLoader({ request }: LoaderFunctionArgs): Promise<AuditData> {
  const params = new URL(request.url).searchParams;
  const query = new URLSearchParams();
  for (const key of KEYS) params.getAll(key).filter(Boolean).forEach((value) => query.append(key, value));
  try {
    return { page: await get<Page<AuditEvent>>("/audit", query, request.signal) };
  } catch (e) {
    if (e instanceof Problem && e.status === 422) return { page: { items: [], next_cursor: null }, refused: e };
    throw e;
  }
}

/** /admin/audit: the whole trail, filtered by who acted and what happened. */
export function AuditPage() {
  const { page, refused } = useLoaderData() as AuditData;
  const [params] = useSearchParams();
  return (
    <section>
      <h1>Audit trail</h1>
      <p className="muted">
        Every change of a user or an API token and every console sign-in, newest first. Rule changes are on the{" "}
        <Link to="/admin/scoring">scoring</Link> and <Link to="/admin/assignment">assignment</Link> pages.
      </p>
      <Form method="get" className="toolbar" role="search" aria-label="Filter the audit trail">
        {params.get("user_id") && <input type="hidden" name="user_id" value={params.get("user_id")!} />}
        <TextField label="Done by (username)" name="actor" defaultValue={params.get("actor") ?? ""} key={`a${params.get("actor")}`}
          autoCapitalize="none" spellCheck={false} />
        <SelectField label="What" name="action" defaultValue={params.get("action") ?? ""} key={`w${params.get("action")}`}
          placeholder="Anything" options={AUDIT_ACTIONS.map((a) => ({ value: a, label: AUDIT_LABELS[a] ?? a }))} />
        <button type="submit">Filter</button>
        {(params.get("actor") || params.get("action") || params.get("user_id")) && <Link to="/admin/audit">Clear filters</Link>}
      </Form>
      {refused && (
        <FormAlert>
          {Object.entries(refused.errors).map(([field, messages]) => <p key={field}>{label(field)}: {messages.join(" ")}</p>)}
          {Object.keys(refused.errors).length === 0 && <p>{refused.detail}</p>}
        </FormAlert>
      )}
      <section className="panel" aria-label="Events">
        {page.items.length === 0 ? <p className="muted">Nothing matches these filters.</p> : <AuditEvents items={page.items} linkUsers />}
      </section>
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
