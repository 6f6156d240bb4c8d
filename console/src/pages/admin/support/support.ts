// The support administration's records as the API gives them
// (gateway/routes/sla.py, support_admin.py, support_mail.py) and the small
// conversions their forms share (business hours and minutes, lists typed as text).
import { get } from "../../../lib/api";
import "./support-admin.css";
import type { Page } from "../../../components/records";

export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export const CHANNELS = ["email", "web", "phone", "portal", "chat"] as const;
export const METRICS = ["first_response", "next_response", "resolution"] as const;
export const METRIC_LABELS: Record<string, string> = {
  first_response: "First response",
  next_response: "Next response",
  resolution: "Resolution",
};
export const WEEKDAYS = [
  { key: "mon", label: "Monday" },
  { key: "tue", label: "Tuesday" },
  { key: "wed", label: "Wednesday" },
  { key: "thu", label: "Thursday" },
  { key: "fri", label: "Friday" },
  { key: "sat", label: "Saturday" },
  { key: "sun", label: "Sunday" },
] as const;
export const ASSIGNMENT_METHODS = [
  { value: "round_robin", label: "Round robin (in turn)" },
  { value: "fewest_open", label: "Fewest open cases" },
  { value: "manual", label: "Manual (nobody until someone takes it)" },
];

export interface Calendar {
  id: string;
  name: string;
  time_zone: string;
  /** Weekday ("mon".."sun") -> intervals [["09:00", "17:00"], ...]; a day without intervals is closed. */
  weekly_hours: Record<string, [string, string][] | { start: string; end: string }[]>;
  holiday_country: string | null;
  holiday_subdivision: string | null;
  dates?: CalendarDate[];
  is_default?: boolean;
  version: number;
  created_at?: string;
  updated_at?: string;
}

export interface CalendarDate {
  date: string;
  name: string | null;
  /** The day's own hours; none: closed all day. */
  hours: [string, string][] | { start: string; end: string }[] | null;
}

export interface Holiday {
  date: string;
  name: string;
}

export interface SlaPolicy {
  id: string;
  name: string;
  position: number;
  calendar_id: string;
  calendar_name?: string | null;
  conditions?: PolicyConditions;
  priorities?: string[];
  channels?: string[];
  account_types?: string[];
  account_tiers?: string[];
  first_response_minutes: number | null;
  next_response_minutes: number | null;
  resolution_minutes: number | null;
  warn_percent: number;
  active: boolean;
  version: number;
}

export interface PolicyConditions {
  priorities?: string[];
  channels?: string[];
  account_types?: string[];
  account_tiers?: string[];
}

export function conditionsOf(policy: SlaPolicy): Required<PolicyConditions> {
  const c = policy.conditions ?? policy;
  return {
    priorities: c.priorities ?? [],
    channels: c.channels ?? [],
    account_types: c.account_types ?? [],
    account_tiers: c.account_tiers ?? [],
  };
}

export interface Agent {
  user_id: string;
  name: string;
  email: string | null;
  username?: string | null;
  available?: boolean;
  active?: boolean;
}

export interface Team {
  id: string;
  name: string;
  description: string | null;
  lead_id: string | null;
  lead_name?: string | null;
  assignment_method: "round_robin" | "fewest_open" | "manual";
  nps_enabled: boolean;
  is_default: boolean;
  active: boolean;
  members?: Agent[];
  member_count?: number;
  version: number;
}

export interface RoutingRule {
  id: string;
  name: string;
  position: number;
  channels: string[];
  account_types: string[];
  tags: string[];
  keywords: string[];
  team_id: string;
  team_name?: string | null;
  active: boolean;
  version: number;
}

export interface EscalationRule {
  id: string;
  name: string;
  position: number;
  on_event: "warning" | "breach";
  /** The clock; null: any. */
  metric: string | null;
  priorities: string[];
  team_ids: string[];
  notify_owner: boolean;
  notify_team_lead: boolean;
  move_to_team_id: string | null;
  raise_priority: boolean;
  active: boolean;
  version: number;
}

/** Items of a list answer (a page or a bare array). */
export function itemsOf<T>(answer: Page<T> | T[] | { items: T[] }): T[] {
  return Array.isArray(answer) ? answer : answer.items;
}

/** Every item of a list that has no pages (the support admin lists answer all their items at once). */
export async function allOf<T>(path: string, signal?: AbortSignal): Promise<T[]> {
  return itemsOf(await get<Page<T> | T[]>(path, undefined, signal));
}

/** Business minutes as "2 h 30 min" (null: no target). */
export function duration(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return "no target";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h && m) return `${h} h ${m} min`;
  if (h) return `${h} h`;
  return `${m} min`;
}

/** Hours and minutes typed in a form -> business minutes (null when both are blank; NaN when not numbers). */
export function toMinutes(hours: string, minutes: string): number | null {
  const h = hours.trim();
  const m = minutes.trim();
  if (!h && !m) return null;
  if ((h && !/^\d+$/.test(h)) || (m && !/^\d+$/.test(m))) return NaN;
  return Number(h || 0) * 60 + Number(m || 0);
}

export function splitMinutes(total: number | null | undefined): { hours: string; minutes: string } {
  if (total === null || total === undefined) return { hours: "", minutes: "" };
  return { hours: String(Math.floor(total / 60)), minutes: String(total % 60) };
}

/** ["a", "b"] <-> "a, b" (trimmed, blanks dropped). */
export function listText(values: string[] | null | undefined): string {
  return (values ?? []).join(", ");
}

export function textList(text: string): string[] {
  return [...new Set(text.split(",").map((s) => s.trim()).filter(Boolean))];
}

/** Intervals of a day as "09:00-12:00, 13:00-17:00". */
export function intervalsText(intervals: [string, string][] | { start: string; end: string }[] | null | undefined): string {
  return (intervals ?? []).map((i) => (Array.isArray(i) ? `${i[0]}-${i[1]}` : `${i.start}-${i.end}`)).join(", ");
}

/**
 * "09:00-12:00, 13:00-17:00" -> [["09:00", "12:00"], ["13:00", "17:00"]]; an
 * interval that is not two times is returned as an error (the words to show).
 */
export function parseIntervals(text: string): { intervals: [string, string][]; error?: string } {
  const intervals: [string, string][] = [];
  for (const part of text.split(/[,;]/).map((p) => p.trim()).filter(Boolean)) {
    const m = part.match(/^(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?$/);
    if (!m) return { intervals, error: `“${part}” is not a time span: write it like 09:00-17:00.` };
    const pad = (h: string, min?: string) => `${h.padStart(2, "0")}:${min ?? "00"}`;
    intervals.push([pad(m[1], m[2]), pad(m[3], m[4])]);
  }
  return { intervals };
}

/** The time zones the browser knows (IANA names), for the calendar's time zone list. */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    const zones = intl.supportedValuesOf?.("timeZone") ?? [];
    return zones.includes("UTC") ? zones : ["UTC", ...zones];
  } catch {
    return ["UTC"];
  }
}
