// The campaigns service's records as the gateway gives them (gateway/routes/campaigns.py,
// campaign_templates.py, campaign_sends.py, campaign_responses.py, campaign_people.py,
// segments.py, consent.py; contracts in shared/schemas/campaigns/), and the small rules the
// screens share: status moves, the funnel's stages, the attribution models.
import { get } from "../../lib/api";
import { label } from "../../lib/format";

export const CAMPAIGN_TYPES = ["email", "event", "webinar", "direct_mail", "telemarketing", "social", "advertising", "partner"] as const;
export const CAMPAIGN_STATUSES = ["planned", "active", "completed", "aborted"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface Campaign {
  id: string;
  name: string;
  type: string;
  status: CampaignStatus;
  description: string | null;
  starts_on: string | null;
  ends_on: string | null;
  owner: string | null;
  currency: string;
  budget: string | null;
  expected_revenue: string | null;
  parent_id: string | null;
  /** The sum of its cost entries. */
  cost_total?: string | null;
  /** Members per funnel stage (a member counts at every stage it reached). */
  funnel?: Partial<Record<Stage, number>> | null;
  parent_name?: string | null;
  /** The status moves possible now (launch, complete, abort). */
  actions?: string[];
  created_by?: string | null;
  created_at: string;
  updated_at: string;
  launched_at: string | null;
  ended_at: string | null;
  version: number;
}

export interface Cost {
  id: string;
  incurred_on: string;
  amount: string;
  category: string | null;
  note: string | null;
  created_by?: string | null;
}

export interface Member {
  person_id: string;
  first_name?: string | null;
  last_name?: string | null;
  email?: string | null;
  company?: string | null;
  kind?: string | null;
  source?: string | null;
  stage?: string | null;
  added_at: string;
  sent_at?: string | null;
  opened_at?: string | null;
  clicked_at?: string | null;
  responded_at?: string | null;
  converted_at?: string | null;
}

/** A status move and who may make it (the API refuses the others with 409). */
export interface Move {
  action: "launch" | "complete" | "abort";
  label: string;
  from: CampaignStatus[];
  done: string;
  danger?: boolean;
}

export const MOVES: Move[] = [
  { action: "launch", label: "Launch", from: ["planned"], done: "Launched: the campaign is active." },
  { action: "complete", label: "Complete", from: ["active"], done: "Completed." },
  { action: "abort", label: "Abort", from: ["planned", "active"], done: "Aborted.", danger: true },
];

/** The moves the API lists in the campaign's `actions` (or, without them, those its status allows). */
export function movesOf(campaign: Pick<Campaign, "status" | "actions">): Move[] {
  if (campaign.actions) return MOVES.filter((m) => campaign.actions!.includes(m.action));
  return MOVES.filter((m) => m.from.includes(campaign.status));
}

export function campaignStatusClass(status: string): string {
  return `badge cmp-${status}`;
}

// The funnel -------------------------------------------------------------------------------------

export const STAGES = ["targeted", "sent", "opened", "clicked", "responded", "converted"] as const;
export type Stage = (typeof STAGES)[number];

export interface FunnelStep {
  stage: Stage;
  count: number;
}

/** The funnel's counts in stage order, whether the API gives {stages: [{stage, count}]} or {targeted: n, ...}. */
export function funnelSteps(answer: unknown): FunnelStep[] {
  const source = (answer && typeof answer === "object" ? answer : {}) as Record<string, unknown>;
  const listed = Array.isArray(source.stages) ? (source.stages as { stage?: string; name?: string; count?: number }[]) : null;
  const counts = (source.counts && typeof source.counts === "object" ? source.counts : source) as Record<string, unknown>;
  return STAGES.map((stage) => {
    const item = listed?.find((s) => (s.stage ?? s.name) === stage);
    const value = item ? item.count : counts[stage];
    return { stage, count: Number(value ?? 0) || 0 };
  });
}

// ROI by attribution model ------------------------------------------------------------------------

export const MODELS = ["first_touch", "last_touch", "linear", "u_shaped", "time_decay"] as const;
export const MODEL_LABEL: Record<string, string> = {
  first_touch: "First touch", last_touch: "Last touch", linear: "Linear", u_shaped: "U-shaped", time_decay: "Time decay",
};

export interface ModelRoi {
  model: string;
  attributed_revenue: string;
  cost: string;
  /** (revenue − cost) / cost; null when nothing was spent. */
  roi: string | null;
  orders?: number | null;
}

export interface Roi {
  currency: string | null;
  cost: string;
  window_days: number | null;
  /** Opportunities created for accounts the campaign touched, and those of them won. */
  influenced: { created: Pipeline; won: Pipeline } | null;
  /** Revenue credited in other currencies (not converted, not in the ROI). */
  other_currencies: { model: string; currency: string; attributed_revenue: string }[];
  models: ModelRoi[];
}

export interface Pipeline {
  opportunities: number;
  amount: string;
}

function decimalText(value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  return String(value);
}

/** The ROI answer in one shape: one row per model in MODELS' order (a model the API leaves out shows zero). */
export function roiRows(answer: unknown): Roi {
  const source = (answer && typeof answer === "object" ? answer : {}) as Record<string, any>;
  const raw = source.models ?? source.items ?? source.by_model ?? [];
  const list: Record<string, any>[] = Array.isArray(raw)
    ? raw
    : Object.entries(raw as Record<string, any>).map(([model, value]) => ({ model, ...(value as object) }));
  const cost = decimalText(source.cost ?? source.cost_total) ?? "0";
  const models = MODELS.map((model) => {
    const row = list.find((r) => r.model === model) ?? {};
    return {
      model,
      attributed_revenue: decimalText(row.attributed_revenue ?? row.revenue) ?? "0",
      cost: decimalText(row.cost) ?? cost,
      roi: decimalText(row.roi),
      orders: row.orders ?? row.revenue_items ?? null,
    };
  });
  const influenced = source.influenced_pipeline && typeof source.influenced_pipeline === "object" && source.influenced_pipeline.created
    ? source.influenced_pipeline as { created: Pipeline; won: Pipeline } : null;
  return {
    currency: source.currency ?? null,
    cost,
    window_days: typeof source.window_days === "number" ? source.window_days : null,
    influenced,
    other_currencies: Array.isArray(source.other_currencies) ? source.other_currencies : [],
    models,
  };
}

/** "1.25" -> "125 %" (ROI is a ratio). */
export function roiPercent(roi: string | null | undefined): string {
  if (roi === null || roi === undefined || roi === "") return "—";
  const value = Number(roi);
  if (!Number.isFinite(value)) return String(roi);
  return `${(Math.round(value * 1000) / 10).toLocaleString()} %`;
}

// Sends -----------------------------------------------------------------------------------------

export interface Send {
  id: string;
  campaign_id: string;
  template_id: string;
  audience_kind: "segment" | "list" | "members";
  audience_id: string | null;
  status: string;
  scheduled_at?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  created_at: string;
  created_by?: string | null;
  /** Recipients per status (queued, sending, sent, suppressed, bounced, failed, unknown, cancelled). */
  counts?: Record<string, number> | null;
  /** People in the audience when it started. */
  recipients?: number | null;
  cancelled_by?: string | null;
  version?: number;
}

export interface Recipient {
  id: string;
  person_id: string;
  email: string | null;
  status: string;
  reason: string | null;
  attempts?: number;
  decided_at?: string | null;
  sent_at?: string | null;
  bounced_at?: string | null;
  last_error?: string | null;
}

/** Whether the send may still change (its progress is read again every few seconds). */
export function sendRunning(send: Pick<Send, "status">): boolean {
  return send.status === "scheduled" || send.status === "sending";
}

export function sendTotal(send: Send): number {
  if (typeof send.recipients === "number" && send.recipients > 0) return send.recipients;
  return Object.values(send.counts ?? {}).reduce((sum, n) => sum + (Number(n) || 0), 0);
}

// Responses ---------------------------------------------------------------------------------------

export const RESPONSE_KINDS = ["form", "click", "open", "reply", "attended"] as const;

export interface CampaignResponse {
  id: string;
  kind: string;
  person: { id: string; kind: "contact" | "lead"; source_id: string } | null;
  email: string | null;
  first_name?: string | null;
  last_name?: string | null;
  company?: string | null;
  lead_id?: string | null;
  at: string;
  data?: Record<string, unknown> | null;
  source?: string;
  recorded_by?: string | null;
}

// Templates ---------------------------------------------------------------------------------------

export interface Template {
  id: string;
  name: string;
  subject: string;
  html: string | null;
  text: string;
  /** The text part was made from the HTML (none was written). */
  text_generated?: boolean;
  description?: string | null;
  created_at: string;
  updated_at: string;
  updated_by?: string | null;
  version: number;
}

export interface Rendered {
  subject: string;
  html: string | null;
  text: string;
}

/** The merge fields a template may use (shown as help beside the editor). */
export const MERGE_FIELDS: { name: string; about: string }[] = [
  { name: "person.first_name", about: "First name" },
  { name: "person.last_name", about: "Last name" },
  { name: "person.email", about: "Email address" },
  { name: "person.company", about: "Company" },
  { name: "person.title", about: "Job title" },
  { name: "person.country", about: "Country (ISO code)" },
  { name: "account.name", about: "Account's name (contacts)" },
  { name: "account.industry", about: "Account's industry" },
  { name: "campaign.name", about: "The campaign's name" },
  { name: "unsubscribe_url", about: "One-click unsubscribe link (always include it)" },
  { name: "preferences_url", about: "The person's subscription preferences" },
];

// People ----------------------------------------------------------------------------------------

export interface Person {
  id: string;
  kind: "contact" | "lead";
  source_id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  company: string | null;
  title?: string | null;
  country?: string | null;
  account_id?: string | null;
  lead_score?: number | null;
  lead_status?: string | null;
  do_not_email?: boolean;
  active?: boolean;
}

export function personName(p: { first_name?: string | null; last_name?: string | null; email?: string | null; person_id?: string | null; id?: string | number | null }): string {
  return [p.first_name, p.last_name].filter(Boolean).join(" ") || p.email || String(p.person_id ?? p.id ?? "").slice(0, 8) || "Someone";
}

/** The page of a person's own record (a contact's or a lead's). */
export function personLink(p: Pick<Person, "kind" | "source_id">): string {
  return p.kind === "lead" ? `/leads/${p.source_id}` : `/contacts/${p.source_id}`;
}

// Segments ----------------------------------------------------------------------------------------

export interface Segment {
  id: string;
  name: string;
  description: string | null;
  rule: unknown;
  /** Members now. */
  member_count: number;
  active: boolean;
  depends_on?: string[];
  /** Uses within_last_days / more_than_days_ago: re-evaluated hourly. */
  relative_dates?: boolean;
  evaluated_at?: string | null;
  created_at: string;
  updated_at: string;
  created_by?: string | null;
  version: number;
}

export function segmentCount(s: Segment): number | null {
  return typeof s.member_count === "number" ? s.member_count : null;
}

/** A person as segment and list members and history entries give them. */
export interface PersonEntry {
  person_id: string;
  kind: "contact" | "lead" | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  company: string | null;
  country?: string | null;
  active?: boolean | null;
  do_not_email?: boolean | null;
  joined_at?: string;
  added_at?: string;
  source?: string;
}

export interface SegmentChange extends PersonEntry {
  id: number;
  change: "joined" | "left";
  at: string;
}

export interface StaticList {
  id: string;
  name: string;
  description: string | null;
  member_count: number;
  created_by?: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface ImportResult {
  rows: number;
  matched_rows: number;
  people_matched: number;
  added: number;
  already_members: number;
  not_taken: number;
  rows_not_taken: { line: number; email: string; reason: string }[];
}

export interface Suppression {
  email: string;
  reason: string;
  source: string | null;
  created_by?: string | null;
  created_at: string;
}

// Consent -----------------------------------------------------------------------------------------

export interface ConsentEntry {
  id?: number;
  purpose: string;
  channel: string;
  status: string;
  legal_basis: string | null;
  source: string | null;
  at: string;
  actor?: string | null;
  form_id?: string | null;
  wording_version?: string | null;
  ip?: string | null;
  confirmed_at?: string | null;
  previous_status?: string | null;
  note?: string | null;
}

export interface PersonConsent {
  person_id?: string;
  email: string | null;
  current: ConsentEntry[];
  history: ConsentEntry[];
}

/** The campaigns service's segments, for pickers (the first pages: marketing rarely keeps more than a few hundred). */
export async function loadSegments(signal?: AbortSignal): Promise<Segment[]> {
  const page = await get<{ items: Segment[] }>("/campaigns/segments", { limit: 200 }, signal);
  return page.items;
}

export async function loadLists(signal?: AbortSignal): Promise<StaticList[]> {
  const page = await get<{ items: StaticList[] }>("/campaigns/lists", { limit: 200 }, signal);
  return page.items;
}

export async function loadTemplates(signal?: AbortSignal): Promise<Template[]> {
  const page = await get<{ items: Template[] }>("/campaigns/templates", { limit: 200 }, signal);
  return page.items;
}

export const typeOptions = CAMPAIGN_TYPES.map((t) => ({ value: t, label: label(t) }));
export const statusOptions = CAMPAIGN_STATUSES.map((s) => ({ value: s, label: label(s) }));
