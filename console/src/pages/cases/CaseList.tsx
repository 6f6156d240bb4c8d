// The agent's queue: my cases, my team's or all of them (by role), sorted by
// the SLA time left (`sort=due`, the most urgent first) with each case's next
// clock visible; status counts, filters (status, priority, team, owner, SLA
// state, text) and the cursor in the URL; j/k or the arrow keys move between
// cases and Enter opens one.
import { useEffect, useMemo, useRef, useState } from "react";
import { Form, Link, useLoaderData, useNavigate, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { get } from "../../lib/api";
import { label, when } from "../../lib/format";
import { currentSession, useCan } from "../../lib/session";
import { DataTable, Pager } from "../../components/DataTable";
import { SelectField, TextField } from "../../components/forms";
import { FilterLinks, listQuery } from "../../components/lists";
import type { Page } from "../../components/records";
import { useAccountNames } from "../accounts/account";
import { StatusLinks } from "../orders/OrderList";
import { agentName, agentsOf, CASE_PRIORITIES, CASE_STATUSES, isMember, loadTeams, teamName, type CaseCounts, type CaseSummary, type Team } from "./case";
import { CaseStatusBadge, NextClock, PriorityBadge } from "./Clocks";

const FILTERS = ["q", "status", "priority", "team_id", "owner_id", "account_id", "contact_id", "sla"];
const LIST_KEYS = [...FILTERS, "sort", "cursor", "limit"];
export type View = "mine" | "team" | "unassigned" | "all";
const SLA_STATES = [
  { value: "breached", label: "Overdue" },
  { value: "due_soon", label: "Due soon" },
  { value: "paused", label: "Paused" },
];

interface Data {
  page: Page<CaseSummary>;
  counts: CaseCounts | null;
  teams: Team[];
  view: View;
  myTeams: Team[];
}

/** The signed-in person's user id (what `owner_id` and team members hold) and role (asked each time: one may
 * sign out and in as another without reloading the page). */
function whoAmI(signal: AbortSignal): Promise<{ id: string; role: string } | null> {
  return currentSession(signal).then((s) => (s ? { id: s.user.id, role: s.user.role } : null)).catch(() => null);
}

/** The view when the URL names none: an agent starts with their own cases, everyone else with all. */
export function defaultView(role: string): View {
  return role === "support" ? "mine" : "all";
}

export async function caseListLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(req.url).searchParams;
  const [who, teams] = await Promise.all([whoAmI(req.signal), loadTeams()]);
  const view = (params.get("view") as View | null) ?? defaultView(who?.role ?? "");
  const myTeams = who ? teams.filter((t) => isMember(t, who.id)) : [];
  const query = listQuery(params, LIST_KEYS);
  if (!query.has("sort")) query.set("sort", "due");
  if (view === "mine" && !query.has("owner_id") && who) query.set("owner_id", who.id);
  // The list takes one team: the first of the person's teams (the others are in the team filter).
  if (view === "team" && !query.has("team_id") && myTeams[0]) query.set("team_id", myTeams[0].id);
  if (view === "unassigned" && !query.has("owner_id")) query.set("unassigned", "true");
  const countQuery = new URLSearchParams(query);
  for (const key of ["status", "sort", "cursor", "limit"]) countQuery.delete(key);
  const [page, counts] = await Promise.all([
    get<Page<CaseSummary>>("/cases", query, req.signal),
    get<CaseCounts>("/cases/counts", countQuery, req.signal).catch(() => null),
  ]);
  return { page, counts, teams, view, myTeams };
}

/** The queue is read again every minute while the tab is shown (the clocks move on, new cases come in). */
function useRefresh(every = 60_000) {
  const revalidator = useRevalidator();
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible" && revalidator.state === "idle") revalidator.revalidate();
    }, every);
    return () => window.clearInterval(timer);
  }, [revalidator, every]);
}

/** j / k or ↓ / ↑ move between the list's cases (their links), Enter opens one (the link does). */
function useRowKeys(container: React.RefObject<HTMLDivElement | null>) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target as HTMLElement | null;
      if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
      const down = event.key === "j" || event.key === "ArrowDown";
      const up = event.key === "k" || event.key === "ArrowUp";
      if (!down && !up) return;
      const links = Array.from(container.current?.querySelectorAll<HTMLAnchorElement>("a.case-link") ?? []);
      if (links.length === 0) return;
      const at = links.indexOf(document.activeElement as HTMLAnchorElement);
      // Arrows only move once a case has the focus (so they still scroll the page otherwise).
      if (at < 0 && !(event.key === "j" || event.key === "k")) return;
      event.preventDefault();
      const next = at < 0 ? 0 : Math.min(links.length - 1, Math.max(0, at + (down ? 1 : -1)));
      links[next].focus();
      links[next].closest("tr")?.scrollIntoView({ block: "nearest" });
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [container]);
}

export function CaseList() {
  const { page, counts, teams, view, myTeams } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const can = useCan();
  const box = useRef<HTMLDivElement>(null);
  useRowKeys(box);
  useRefresh();
  const names = useAccountNames(page.items.map((c) => (c.account_name || !c.account_id ? null : c.account_id)));
  const writer = can("cases:write");

  const columns = useMemo<ColumnDef<CaseSummary, any>[]>(() => [
    {
      id: "number", header: "Case", meta: { sortKey: "number" },
      cell: ({ row }) => <Link className="case-link" to={`/cases/${row.original.id}`}>{row.original.number}</Link>,
    },
    { id: "subject", header: "Subject", cell: ({ row }) => <span className="case-subject">{row.original.subject}</span> },
    {
      id: "account", header: "Account",
      cell: ({ row }) => row.original.account_id
        ? <Link to={`/accounts/${row.original.account_id}`}>{row.original.account_name ?? names[row.original.account_id] ?? "Account"}</Link>
        : <span className="muted">{row.original.contact_email ?? "—"}</span>,
    },
    { id: "priority", header: "Priority", cell: ({ row }) => <PriorityBadge priority={row.original.priority} /> },
    { id: "status", header: "Status", cell: ({ row }) => <CaseStatusBadge status={row.original.status} /> },
    // Sorted by the Sort field ("due" has one direction only: the least time left first).
    { id: "due", header: "Time left", cell: ({ row }) => <NextClock c={row.original} /> },
    { id: "owner", header: "Owner", cell: ({ row }) => row.original.owner_id ? agentName(teams, row.original.owner_id) : "—" },
    { id: "team", header: "Team", cell: ({ row }) => teamName(teams, row.original.team_id) },
    { id: "updated_at", header: "Changed", meta: { sortKey: "updated_at" }, cell: ({ row }) => when(row.original.updated_at) },
  ], [names, teams]);

  const viewLink = (v: View) => {
    const next = new URLSearchParams();
    for (const key of ["status", "priority", "sla", "q", "sort"]) if (params.get(key)) next.set(key, params.get(key)!);
    next.set("view", v);
    return `?${next.toString()}`;
  };
  const views: { value: View; label: string }[] = [
    ...(writer ? [{ value: "mine" as View, label: "My cases" }] : []),
    ...(myTeams.length > 0 ? [{ value: "team" as View, label: myTeams.length === 1 ? `My team's (${myTeams[0].name})` : `My first team's (${myTeams[0].name})` }] : []),
    ...(writer ? [{ value: "unassigned" as View, label: "Nobody's" }] : []),
    { value: "all", label: writer ? "All cases" : "Cases I can see" },
  ];
  const sort = params.get("sort") ?? "due";
  const active = ["q", "priority", "team_id", "owner_id"].filter((k) => params.get(k)).length;
  // On a phone the filters fold away (the cases come first) unless some are set.
  const [filtersOpen, setFiltersOpen] = useState(() => active > 0 || !window.matchMedia("(max-width: 640px)").matches);

  return (
    <section>
      <div className="page-head">
        <h1>Cases</h1>
        <div className="actions">
          {writer && <Link className="button" to="/cases/new">New case</Link>}
        </div>
      </div>
      {views.length > 1 && (
        <ul className="counts views" aria-label="Whose cases">
          {views.map((v) => (
            <li key={v.value}><Link to={viewLink(v.value)} aria-current={view === v.value ? "true" : undefined}>{v.label}</Link></li>
          ))}
        </ul>
      )}
      <StatusLinks statuses={CASE_STATUSES} name="Cases" counts={counts ?? undefined} />
      <FilterLinks label="SLA" param="sla" options={SLA_STATES} all="Any SLA state" />
      <details className="queue-filters" open={filtersOpen} onToggle={(e) => setFiltersOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Filters{active > 0 ? ` (${active} set)` : ""}</summary>
      <Form method="get" className="toolbar" role="search" aria-label="Filter cases">
        {["status", "sla", "view"].map((key) => params.get(key) && <input key={key} type="hidden" name={key} value={params.get(key)!} />)}
        {params.get("account_id") && <input type="hidden" name="account_id" value={params.get("account_id")!} />}
        <TextField label="Number, subject or email" name="q" type="search" defaultValue={params.get("q") ?? ""} key={`q${params.get("q")}`} />
        <SelectField label="Priority" name="priority" defaultValue={params.get("priority") ?? ""} key={`p${params.get("priority")}`}
          placeholder="Any priority" options={CASE_PRIORITIES.map((p) => ({ value: p, label: label(p) }))} />
        {teams.length > 0 && (
          <SelectField label="Team" name="team_id" defaultValue={params.get("team_id") ?? ""} key={`t${params.get("team_id")}`}
            placeholder="Any team" options={teams.map((t) => ({ value: t.id, label: t.name }))} />
        )}
        <SelectField label="Owner" name="owner_id" defaultValue={params.get("owner_id") ?? ""} key={`o${params.get("owner_id")}`}
          placeholder="Anyone" options={agentsOf(teams).map((a) => ({ value: a.id, label: a.name }))} />
        <SelectField label="Sort" name="sort" defaultValue={sort} key={`s${sort}`} options={[
          { value: "due", label: "Least time left first" },
          { value: "-updated_at", label: "Recently changed first" },
          { value: "-created_at", label: "Newest first" },
          { value: "created_at", label: "Oldest first" },
        ]} />
        <button type="submit">Filter</button>
        <Link to={`?view=${view}`} className="button secondary">Clear</Link>
      </Form>
      </details>
      {params.get("account_id") && (
        <p className="alert info">
          Cases of one account. <Link to={`/accounts/${params.get("account_id")}`}>Back to the account</Link> ·{" "}
          <button type="button" className="link" onClick={() => { const next = new URLSearchParams(params); next.delete("account_id"); navigate(`?${next}`); }}>
            Show every account's cases
          </button>
        </p>
      )}
      {view === "team" && myTeams.length === 0 && <p className="alert info">You are in no support team yet: an admin adds you to one.</p>}
      <div ref={box} className="case-queue">
        <DataTable caption="Cases" columns={columns} data={page.items} rowId={(c) => c.id}
          empty={<>No case matches these filters. <Link to={`?view=${view === "mine" ? "all" : view}`}>Clear the filters</Link>.</>} />
      </div>
      <p className="muted keys-hint">Keys: <kbd>j</kbd> / <kbd>k</kbd> move between cases, <kbd>Enter</kbd> opens one.</p>
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
