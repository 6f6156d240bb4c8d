// Returns (RMA) as the API returns them (shared/schemas/orders/returns.py).
export type ReturnStatus = "open" | "received" | "closed";
export const RETURN_STATUSES: ReturnStatus[] = ["open", "received", "closed"];
export const RETURN_REASONS = ["damaged", "wrong_item", "not_needed", "defective", "other"];
export const RESOLUTIONS = ["refund", "replacement"];

export interface ReturnLine {
  id?: string;
  order_line_id: string;
  quantity: string;
  name?: string;
  sku?: string | null;
  unit?: string | null;
}

export interface Return {
  id: string;
  number: string;
  order_id: string;
  order_number?: string | null;
  account_id: string;
  account_name?: string | null;
  status: ReturnStatus;
  reason: string;
  note: string | null;
  resolution: "refund" | "replacement";
  credit_note_id: string | null;
  received_at: string | null;
  closed_at: string | null;
  lines?: ReturnLine[];
  created_at: string;
  created_by?: string | null;
  updated_at?: string;
  version: number;
}
