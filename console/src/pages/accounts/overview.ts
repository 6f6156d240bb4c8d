// The customer-360 view of an account (GET /accounts/{id}/overview,
// shared/schemas/customer360.py): the account, its value (orders) and its
// support at a glance (support), asked once for the whole account page.
import { get } from "../../lib/api";
import type { Account } from "./account";
import type { CustomerValue } from "../orders/AccountOrders";

export type OverviewPart = "account" | "value" | "support";

/** AccountSupportSummarySchema (shared/schemas/support/cases.py). */
export interface AccountSupportSummary {
  account_id: string;
  as_of: string;
  window_days: number;
  open_cases: {
    total: number;
    by_priority: Record<string, number>;
    by_status: Record<string, number>;
    breached: number;
    oldest: { id: string; number: string; created_at: string; age_seconds: number } | null;
  };
  cases_opened_recently: number;
  last_case_opened_at: string | null;
  csat: {
    average: number | null;
    count: number;
    last_answer: {
      case_id: string;
      case_number: string;
      csat: number;
      nps: number | null;
      comment: string | null;
      answered_at: string;
    } | null;
  };
  open_tasks: { total: number; overdue: number };
}

export interface AccountOverview {
  account_id: string;
  merged_into: string | null;
  account: Account | null;
  value: CustomerValue | null;
  support: AccountSupportSummary | null;
  unavailable: OverviewPart[];
  not_permitted: OverviewPart[];
}

/** One part of the overview as a section shows it: its answer, or why there is none. */
export type PartState<T> =
  | { state: "answered"; data: T | null } // null: the service has nothing for it (or the account was merged)
  | { state: "unavailable" } // its service did not answer (or the overview itself failed)
  | { state: "not_permitted" }; // the caller's role may not read it: the section is hidden

export function partOf<K extends "value" | "support">(overview: AccountOverview | null, part: K): PartState<AccountOverview[K]> {
  if (!overview) return { state: "unavailable" };
  if (overview.not_permitted.includes(part)) return { state: "not_permitted" };
  if (overview.unavailable.includes(part)) return { state: "unavailable" };
  return { state: "answered", data: overview[part] };
}

/** The overview, or null when the gateway did not give one (every service down): the sections say so. */
export function loadOverview(accountId: string, signal?: AbortSignal): Promise<AccountOverview | null> {
  return get<AccountOverview>(`/accounts/${accountId}/overview`, undefined, signal).catch(() => null);
}
