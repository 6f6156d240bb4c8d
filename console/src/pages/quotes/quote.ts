// Quotes as the API returns them (shared/schemas/orders/quotes.py): a number
// shared by its revisions, a status, the actions allowed now, lines and
// totals as decimal strings (never computed with here).
import type { DocumentLine, StatusCounts, Totals } from "../orders/order";

export type QuoteStatus = "draft" | "sent" | "accepted" | "rejected" | "expired";
export type QuoteAction = "update" | "send" | "accept" | "reject" | "revise";

export const QUOTE_STATUSES: QuoteStatus[] = ["draft", "sent", "accepted", "rejected", "expired"];

/** GET /quotes/counts (QuoteCountsSchema). */
export type QuoteCounts = StatusCounts<QuoteStatus>;

/** A quote without its lines, with the actions allowed now: the items of lists and of a quote's revisions
 * (QuoteListItemSchema). */
export interface QuoteSummary {
  id: string;
  number: string;
  revision: number;
  status: QuoteStatus;
  superseded_by: string | null;
  revision_of: string | null;
  account_id: string;
  opportunity_id: string | null;
  contact_id: string | null;
  title: string | null;
  notes: string | null;
  terms: string | null;
  currency: string;
  price_book_id: string;
  prices_include_tax: boolean;
  tax_country: string;
  priced_on: string;
  valid_until: string;
  sent_at: string | null;
  sent_by: string | null;
  accepted_at: string | null;
  accepted_by: string | null;
  rejected_at: string | null;
  rejected_by: string | null;
  rejection_reason: string | null;
  expired_at: string | null;
  totals: Totals;
  actions: QuoteAction[];
  version: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A quote as the API answers it: with its lines (QuoteSchema). */
export interface Quote extends QuoteSummary {
  lines: DocumentLine[];
}

/** "Q-000123 rev. 2" */
export function quoteName(q: Pick<QuoteSummary, "number" | "revision" | "title">, withTitle = false): string {
  const name = q.revision > 1 ? `${q.number} rev. ${q.revision}` : q.number;
  return withTitle && q.title ? `${name} · ${q.title}` : name;
}

export const STATUS_BADGE: Record<QuoteStatus, string> = {
  draft: "new", sent: "open", accepted: "won", rejected: "lost", expired: "cancelled",
};
