// Tasks (and meetings) to do: "Mine", "Due today", "Overdue" and "All open"
// as URL state, soonest due first; "Mark done" PATCHes with If-Match.
import { useMemo, useState } from "react";
import { Form, Link, useLoaderData, useLocation, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { get, Problem, request, describe, type Query } from "../../lib/api";
import { label, plural, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { DataTable, Pager } from "../../components/DataTable";
import { OwnerSelect, type Activity, type Page } from "../../components/records";
import { SelectField } from "../../components/forms";
import { myUsername } from "../home/me";
import { startOfDay } from "../forecast/period";
import { isOverdue, KIND_LABEL, linkedRecord, recordPath } from "./task";
import { titleKey, useRecordTitles } from "./titles";

export type TaskView = "mine" | "today" | "overdue" | "open";

export const VIEWS: { view: TaskView; label: string }[] = [
  { view: "mine", label: "Mine" },
  { view: "today", label: "Due today" },
  { view: "overdue", label: "Overdue" },
  { view: "open", label: "All open" },
];

const KINDS: Record<string, string[]> = { task: ["task"], meeting: ["meeting"], all: ["task", "meeting"] };

interface Data {
  view: TaskView;
  me: string;
  page: Page<Activity>;
}

export function viewOf(params: URLSearchParams): TaskView {
  const view = params.get("view");
  return VIEWS.some((v) => v.view === view) ? (view as TaskView) : "mine";
}

/** The activities query of a view: open tasks (or meetings), soonest due first. */
export function taskQuery(view: TaskView, me: string, params: URLSearchParams, now = new Date()): Query {
  const query: Query = {
    status: "open",
    kind: KINDS[params.get("kind") ?? "task"] ?? KINDS.task,
    sort: "due_at",
    limit: 50,
    cursor: params.get("cursor") ?? undefined,
  };
  if (view === "open") query.owner = params.get("owner") || undefined;
  else query.owner = me;
  if (view === "today") {
    query.due_after = startOfDay(now).toISOString();
    query.due_before = startOfDay(now, 1).toISOString();
  }
  if (view === "overdue") query.due_before = now.toISOString();
  return query;
}

export async function taskListLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(req.url).searchParams;
  const view = viewOf(params);
  const me = await myUsername(req.signal);
  const page = await get<Page<Activity>>("/activities", taskQuery(view, me, params), req.signal);
  return { view, me, page };
}

interface Done {
  activity: Activity;
  version: number;
}

/** "Mark done" (and its undo) with If-Match; a refusal is said next to the task. */
export function useComplete(reload: () => void) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<Done>();
  const [busy, setBusy] = useState<string>();
  const change = async (activity: Activity, status: "done" | "open", version: number) => {
    setBusy(activity.id);
    setErrors((old) => ({ ...old, [activity.id]: "" }));
    try {
      const answer = await request<Activity>(`/activities/${activity.id}`, { method: "PATCH", body: { status }, ifMatch: `"${version}"` });
      setDone(status === "done" ? { activity, version: answer.data.version } : undefined);
      reload();
    } catch (e) {
      const message = e instanceof Problem && e.status === 412
        ? "Someone changed this task after the list was loaded. Reload the list to see the change, then try again."
        : describe(e);
      setErrors((old) => ({ ...old, [activity.id]: message }));
    } finally {
      setBusy(undefined);
    }
  };
  return { errors, done, busy, complete: (a: Activity) => change(a, "done", a.version), undo: (d: Done) => change(d.activity, "open", d.version) };
}

export function TaskList() {
  const { view, me, page } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const location = useLocation();
  const can = useCan();
  const revalidator = useRevalidator();
  const { errors, done, busy, complete, undo } = useComplete(() => revalidator.revalidate());
  const created = (location.state as { created?: string } | null)?.created;
  const writable = can("sales:write");
  const links = page.items.map(linkedRecord).filter((l) => l !== null);
  const titles = useRecordTitles(links);

  const columns = useMemo<ColumnDef<Activity, any>[]>(() => [
    {
      id: "subject", header: "Subject",
      cell: ({ row }) => (
        <>
          <strong>{row.original.subject}</strong>
          {row.original.body && <div className="muted clamp">{row.original.body}</div>}
        </>
      ),
    },
    { id: "kind", header: "Kind", cell: ({ row }) => label(row.original.kind) },
    {
      id: "due", header: "Due",
      cell: ({ row }) => (
        <>
          {row.original.due_at ? when(row.original.due_at) : <span className="muted">No due time</span>}
          {isOverdue(row.original) && <> <span className="badge overdue">Overdue</span></>}
        </>
      ),
    },
    { id: "owner", header: "Owner", cell: ({ row }) => row.original.owner ?? "—" },
    {
      id: "for", header: "For",
      cell: ({ row }) => {
        const linked = linkedRecord(row.original);
        if (!linked) return "—";
        const title = titles[titleKey(linked.kind, linked.id)];
        return <Link to={recordPath(linked)}>{KIND_LABEL[linked.kind]}{title ? `: ${title}` : ""}</Link>;
      },
    },
    ...(writable ? [{
      id: "actions", header: "Done?",
      cell: ({ row }: { row: { original: Activity } }) => (
        <div className="row-action">
          <button type="button" className="secondary" disabled={busy === row.original.id} onClick={() => complete(row.original)}
            aria-label={`Mark done: ${row.original.subject}`}>
            Mark done
          </button>
          {errors[row.original.id] && (
            <p role="alert" className="field-error">
              {errors[row.original.id]}{" "}
              <button type="button" className="link" onClick={() => revalidator.revalidate()}>Reload the list</button>
            </p>
          )}
        </div>
      ),
    } as ColumnDef<Activity, any>] : []),
    // eslint-disable-next-line react-hooks/exhaustive-deps
  ], [writable, busy, errors, JSON.stringify(titles)]);

  const viewLink = (next: TaskView) => {
    const query = new URLSearchParams();
    if (next !== "mine") query.set("view", next);
    if (params.get("kind")) query.set("kind", params.get("kind")!);
    return `/tasks${query.size ? `?${query}` : ""}`;
  };
  const kind = params.get("kind") ?? "task";
  const what = kind === "meeting" ? "meeting" : kind === "all" ? "task or meeting" : "task";
  const things = kind === "meeting" ? "meetings" : kind === "all" ? "tasks and meetings" : "tasks";
  const heading = {
    mine: `My ${things}`,
    today: `My ${things} due today`,
    overdue: `My overdue ${things}`,
    open: `All open ${things}`,
  }[view];
  const empty = {
    mine: `You have no open ${what}s.`,
    today: `Nothing of yours is due today.`,
    overdue: `Nothing of yours is overdue.`,
    open: `No open ${what}s${params.get("owner") ? ` for ${params.get("owner")}` : ""}.`,
  }[view];

  return (
    <section>
      <div className="page-head">
        <h1>{heading}</h1>
        {writable && <div className="actions"><Link className="button" to="/tasks/new">New task</Link></div>}
      </div>
      <nav aria-label="Which tasks">
        <ul className="counts">
          {VIEWS.map((v) => (
            <li key={v.view}>
              <Link to={viewLink(v.view)} aria-current={view === v.view ? "page" : undefined}>{v.label}</Link>
            </li>
          ))}
        </ul>
      </nav>
      <Form method="get" className="toolbar" aria-label="Filter tasks">
        {view !== "mine" && <input type="hidden" name="view" value={view} />}
        <SelectField label="Show" name="kind" defaultValue={kind} key={`k${kind}`}
          options={[{ value: "task", label: "Tasks" }, { value: "meeting", label: "Meetings" }, { value: "all", label: "Tasks and meetings" }]} />
        {view === "open" && (
          <OwnerSelect label="Owner" name="owner" defaultValue={params.get("owner") ?? ""} key={`o${params.get("owner")}`}
            current={params.get("owner")} placeholder="Anyone" />
        )}
        <button type="submit">Show</button>
      </Form>
      {view !== "open" && <p className="muted">Open {what}s of {me}, soonest due first.</p>}
      {created && <p role="status" className="alert ok">Task “{created}” created.</p>}
      {done && (
        <p role="status" className="alert ok">
          “{done.activity.subject}” is done.{" "}
          <button type="button" className="link" onClick={() => undo(done)}>Undo</button>
        </p>
      )}
      <DataTable caption={heading} columns={columns} data={page.items} rowId={(a) => a.id} empty={empty} />
      <Pager nextCursor={page.next_cursor} />
      {page.items.length > 0 && <p className="muted">{plural(page.items.length, "item")} on this page.</p>}
    </section>
  );
}
