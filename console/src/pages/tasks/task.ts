// What a task or meeting is linked to, and the record a task is for (from the URL of "New task").
import type { Activity } from "../../components/records";

export type RecordKind = "leads" | "accounts" | "contacts" | "opportunities";

/** The activity field that links a record of each kind. */
export const LINK_FIELD: Record<RecordKind, "lead_id" | "account_id" | "contact_id" | "opportunity_id"> = {
  leads: "lead_id",
  accounts: "account_id",
  contacts: "contact_id",
  opportunities: "opportunity_id",
};

/** What a record of each kind is called (cases too: they are in "Recently opened", though no activity links one). */
export const KIND_LABEL: Record<RecordKind | "cases", string> = {
  leads: "Lead",
  accounts: "Account",
  contacts: "Contact",
  opportunities: "Opportunity",
  cases: "Case",
};

export interface Linked {
  kind: RecordKind;
  id: string;
  title?: string;
}

/** The most specific record an activity is linked to (opportunity, contact, lead, then account). */
export function linkedRecord(activity: Activity): Linked | null {
  if (activity.opportunity_id) return { kind: "opportunities", id: activity.opportunity_id };
  if (activity.contact_id) return { kind: "contacts", id: activity.contact_id };
  if (activity.lead_id) return { kind: "leads", id: activity.lead_id };
  if (activity.account_id) return { kind: "accounts", id: activity.account_id };
  return null;
}

export function recordPath(record: Linked): string {
  return `/${record.kind}/${record.id}`;
}

/** A name to show for any record the API returns (lead, account, contact, opportunity). */
export function recordTitle(record: Record<string, unknown>): string {
  const text = (key: string) => (typeof record[key] === "string" && record[key] ? String(record[key]) : "");
  const person = [text("first_name"), text("last_name")].filter(Boolean).join(" ");
  return text("name") || person || text("email") || text("company") || String(record.id ?? "").slice(0, 8);
}

/** Whether an open activity's due time has passed. */
export function isOverdue(activity: Pick<Activity, "status" | "due_at">, now = Date.now()): boolean {
  return activity.status === "open" && !!activity.due_at && new Date(activity.due_at).getTime() < now;
}
