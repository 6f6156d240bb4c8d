// Cases, their SLA clocks and conversation as the support API gives them
// (gateway/routes/cases.py; shared/schemas/support/cases.py, sla.py), and the
// rules every cases screen shares: the legal status moves, how a clock reads.
import { get } from "../../lib/api";
import { label } from "../../lib/format";

export type CaseStatus = "new" | "open" | "pending" | "on_hold" | "resolved" | "closed";
export const CASE_STATUSES: CaseStatus[] = ["new", "open", "pending", "on_hold", "resolved", "closed"];
export type CasePriority = "low" | "normal" | "high" | "urgent";
export const CASE_PRIORITIES: CasePriority[] = ["low", "normal", "high", "urgent"];
export const CASE_CHANNELS = ["email", "web", "phone", "portal", "chat"] as const;
export const CASE_TYPES = ["question", "problem", "incident", "feature_request", "other"] as const;
export type CaseChannel = (typeof CASE_CHANNELS)[number];

/** One SLA clock of a case (sla.commands.clocks_of): seconds are business seconds. */
export interface Clock {
  metric: string;
  target_seconds: number;
  used_seconds: number;
  running: boolean;
  due_at: string | null;
  warn_at: string | null;
  breached: boolean;
  achieved_at: string | null;
  remaining_seconds: number | null;
  /** Given by newer answers; else read from the case's status (pending / on hold stop the clocks). */
  paused?: boolean;
  policy_name?: string | null;
}

/** A case as the list and its page give it (CaseDetailSchema of shared/schemas/support/cases.py). */
export interface CaseSummary {
  id: string;
  number: string;
  subject: string;
  description?: string | null;
  account_id: string | null;
  account_name?: string | null;
  contact_id: string | null;
  contact_name?: string | null;
  contact_email?: string | null;
  order_id?: string | null;
  order_number?: string | null;
  priority: CasePriority;
  type?: string | null;
  channel: string;
  status: CaseStatus;
  /** The agent's user id (a member of a support team). */
  owner_id: string | null;
  team_id: string | null;
  tags?: string[];
  related_case_id?: string | null;
  merged_into?: string | null;
  /** Its SLA clocks. */
  sla?: Clock[];
  first_response_at?: string | null;
  status_changed_at?: string;
  reopen_count?: number;
  version: number;
  created_at: string;
  updated_at: string;
  resolved_at?: string | null;
  closed_at?: string | null;
  /** The statuses the case may move to now, when the API says (else CASE_MOVES). */
  allowed_statuses?: CaseStatus[];
}

export type Case = CaseSummary;

export type MessageKind = "reply" | "note" | "customer";

export interface CaseMessage {
  id: string;
  case_id: string;
  kind: MessageKind;
  direction: "inbound" | "outbound" | "internal";
  body: string;
  /** The agent's username (reply, note). */
  author?: string | null;
  author_email?: string | null;
  message_id?: string | null;
  in_reply_to?: string | null;
  created_at: string;
}

export interface CaseCounts {
  by_status: Record<string, number>;
  total: number;
}

export interface TeamMember {
  user_id: string;
  name: string;
  email: string | null;
  available: boolean;
  active: boolean;
}

/** A support team (TeamSchema of shared/schemas/support/teams.py). */
export interface Team {
  id: string;
  name: string;
  lead_id: string | null;
  active: boolean;
  members: TeamMember[];
}

/**
 * The legal moves of the status machine (services/support/cases/states.py):
 * what the case page offers. The service is the judge: a refused move comes
 * back as 409 with the allowed statuses, shown next to the buttons.
 */
export const CASE_MOVES: Record<CaseStatus, CaseStatus[]> = {
  new: ["open", "pending", "on_hold", "resolved", "closed"],
  open: ["pending", "on_hold", "resolved", "closed"],
  pending: ["open", "on_hold", "resolved", "closed"],
  on_hold: ["open", "pending", "resolved", "closed"],
  resolved: ["open", "closed"],
  closed: [],
};

export function movesOf(c: Pick<Case, "status" | "allowed_statuses">): CaseStatus[] {
  return c.allowed_statuses ?? CASE_MOVES[c.status] ?? [];
}

/** The button that moves a case to a status ("Set pending", "Resolve", "Reopen"). */
export function moveLabel(from: CaseStatus, to: CaseStatus): string {
  if (to === "open") return from === "resolved" || from === "closed" ? "Reopen" : from === "new" ? "Open" : "Resume (open)";
  if (to === "pending") return "Set pending (waiting on the customer)";
  if (to === "on_hold") return "Put on hold";
  if (to === "resolved") return "Resolve";
  if (to === "closed") return "Close";
  return `Set ${label(to).toLowerCase()}`;
}

export const METRIC_LABEL: Record<string, string> = {
  first_response: "First response",
  next_response: "Next response",
  resolution: "Resolution",
};

export function metricLabel(metric: string): string {
  return METRIC_LABEL[metric] ?? label(metric);
}

/** "2 h 05 min" of business time: days only count when they are there. */
export function duration(totalSeconds: number): string {
  const seconds = Math.abs(Math.round(totalSeconds));
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, "0")} min`;
  if (minutes > 0) return `${minutes} min`;
  return `${seconds} s`;
}

export type ClockState = "achieved" | "breached" | "overdue" | "paused" | "warning" | "running" | "stopped";

const PAUSING: CaseStatus[] = ["pending", "on_hold"];

/** What a clock shows: achieved, overdue (breached), paused, warning (past its warning share) or running. */
export function clockState(clock: Clock, status: CaseStatus, now = Date.now()): ClockState {
  if (clock.achieved_at) return "achieved";
  const remaining = clock.remaining_seconds ?? clock.target_seconds - clock.used_seconds;
  if (clock.breached || remaining < 0) return "overdue";
  if (clock.paused ?? (!clock.running && PAUSING.includes(status))) return "paused";
  if (!clock.running) return "stopped";
  if (clock.warn_at && new Date(clock.warn_at).getTime() <= now) return "warning";
  return "running";
}

/** The clock's words: "2 h 05 min left", "overdue by 15 min", "paused · 3 h left", "met". */
export function clockText(clock: Clock, status: CaseStatus): string {
  const state = clockState(clock, status);
  const remaining = clock.remaining_seconds ?? clock.target_seconds - clock.used_seconds;
  switch (state) {
    case "achieved":
      return clock.breached ? "met late" : "met";
    case "overdue":
      return remaining < 0 ? `overdue by ${duration(-remaining)}` : "overdue";
    case "paused":
      return `paused · ${duration(remaining)} left`;
    case "stopped":
      return "stopped";
    default:
      return `${duration(remaining)} left`;
  }
}

/** The clock a list shows for a case: the open one with the least time left (overdue first). */
export function nextClock(c: Pick<Case, "sla" | "status">): Clock | undefined {
  const open = (c.sla ?? []).filter((k) => !k.achieved_at && clockState(k, c.status) !== "stopped");
  const left = (k: Clock) => k.remaining_seconds ?? k.target_seconds - k.used_seconds;
  return open.sort((a, b) => left(a) - left(b))[0];
}

export function caseTitle(c: Pick<Case, "number" | "subject"> | undefined): string {
  return c ? `${c.number} ${c.subject}` : "Case";
}

export const loadCase = (id: string, signal?: AbortSignal) => get<Case>(`/cases/${id}`, undefined, signal);

/** The teams (for filters, names and the team field), read at most once a minute; [] when they cannot be read. */
let teams: { at: number; list: Promise<Team[]> } | undefined;
export function loadTeams(): Promise<Team[]> {
  if (!teams || Date.now() - teams.at > 60_000) {
    const list = get<{ items: Team[] }>("/support/teams")
      .then((page) => page.items ?? [])
      .catch(() => {
        teams = undefined;
        return [] as Team[];
      });
    teams = { at: Date.now(), list };
  }
  return teams.list;
}

export function teamName(list: Team[], id: string | null | undefined): string {
  if (!id) return "—";
  return list.find((t) => t.id === id)?.name ?? "Team";
}

/** Whether a person (a user id) is a member of a team. */
export function isMember(team: Team, userId: string): boolean {
  return (team.members ?? []).some((m) => m.user_id === userId);
}

/** The support agents (every team's members, each once, by name): user id -> name. */
export function agentsOf(list: Team[]): { id: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const team of list) for (const m of team.members ?? []) if (!seen.has(m.user_id)) seen.set(m.user_id, m.name);
  return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}

/** An agent's name from the teams' members ("an agent" when not a member of any team now). */
export function agentName(list: Team[], id: string | null | undefined): string {
  if (!id) return "nobody";
  for (const team of list) for (const m of team.members ?? []) if (m.user_id === id) return m.name;
  return "an agent";
}
