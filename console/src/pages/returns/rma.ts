// Returns (RMA) as the API returns them (shared/schemas/orders/returns.py).
export type ReturnStatus = "open" | "received" | "closed";
export const RETURN_STATUSES: ReturnStatus[] = ["open", "received", "closed"];
export type ReturnReason = "damaged" | "wrong_item" | "not_needed" | "defective" | "other";
export const RETURN_REASONS: ReturnReason[] = ["damaged", "wrong_item", "not_needed", "defective", "other"];
export type Resolution = "refund" | "replacement";
export const RESOLUTIONS: Resolution[] = ["refund", "replacement"];

/** A line coming back (ReturnLineSchema). */
export interface ReturnLine {
  id: string;
  order_line_id: string;
  /** The order line's position. */
  position: number;
  sku: string | null;
  name: string;
  quantity: string;
}

/** A return (ReturnSchema). */
export interface Return {
  id: string;
  number: string;
  order_id: string;
  order_number: string;
  account_id: string;
  status: ReturnStatus;
  reason: ReturnReason;
  note: string | null;
  resolution: Resolution;
  /** The credit note of a refund (none while nothing of the lines was invoiced). */
  credit_note_id: string | null;
  received_at: string | null;
  closed_at: string | null;
  lines: ReturnLine[];
  version: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}
