// Orders, shipments and the document shapes every orders screen shares, as
// the API returns them (shared/schemas/orders/common.py, orders.py). Amounts,
// quantities and rates are decimal strings.
import { get } from "../../lib/api";
import type { Page } from "../../components/records";

export interface TaxLine {
  rate: string;
  net: string;
  tax: string;
}

export interface Totals {
  net_total: string;
  tax_total: string;
  gross_total: string;
  discount_total: string;
  tax_lines: TaxLine[];
}

export interface DocumentLine {
  id: string;
  position: number;
  product_id: string | null;
  sku: string | null;
  name: string;
  description: string | null;
  unit: string | null;
  quantity: string;
  unit_price: string;
  price_overridden: boolean;
  discount_percent: string | null;
  discount_amount: string | null;
  tax_category: string | null;
  tax_rate: string;
  discount_total: string;
  net_amount: string;
  tax_amount: string;
  gross_amount: string;
  source_line_id: string | null;
}

export interface OrderLine extends DocumentLine {
  shipped_quantity?: string;
  delivered_quantity?: string;
  returned_quantity?: string;
  invoiced_quantity?: string;
}

export interface PostalAddress {
  street?: string | null;
  city?: string | null;
  region?: string | null;
  postal_code?: string | null;
  country?: string | null;
}

export interface ShipmentLine {
  id?: string;
  order_line_id: string;
  quantity: string;
}

export interface Shipment {
  id: string;
  order_id: string;
  number?: string | null;
  carrier: string | null;
  tracking_number: string | null;
  status?: string;
  shipped_at?: string | null;
  delivered_at: string | null;
  created_at?: string;
  created_by?: string | null;
  lines: ShipmentLine[];
}

export type OrderStatus = "draft" | "submitted" | "partly_shipped" | "shipped" | "delivered" | "cancelled";
export const ORDER_STATUSES: OrderStatus[] = ["draft", "submitted", "partly_shipped", "shipped", "delivered", "cancelled"];

/** A document's totals: given flat on the document, or under `totals`. */
export type WithTotals = Partial<Totals> & { totals?: Totals };

export interface Order extends WithTotals {
  id: string;
  number: string;
  account_id: string;
  account_name?: string | null;
  quote_id: string | null;
  status: OrderStatus;
  currency: string;
  price_book_id?: string | null;
  tax_country?: string | null;
  prices_include_tax?: boolean;
  shipping_address: PostalAddress | null;
  billing_address: PostalAddress | null;
  payment_terms_days: number | null;
  customer_reference: string | null;
  notes?: string | null;
  cancel_reason?: string | null;
  cancellation_reason?: string | null;
  placed_at?: string | null;
  submitted_at?: string | null;
  cancelled_at?: string | null;
  lines?: OrderLine[];
  shipments?: Shipment[];
  created_at: string;
  created_by?: string | null;
  updated_at: string;
  version: number;
}

export type ListPage<T> = Page<T> & { counts?: Record<string, number> };

export function totalsOf(document: WithTotals): Totals {
  if (document.totals) return document.totals;
  return {
    net_total: document.net_total ?? "",
    tax_total: document.tax_total ?? "",
    gross_total: document.gross_total ?? "",
    discount_total: document.discount_total ?? "",
    tax_lines: document.tax_lines ?? [],
  };
}

export function addressLine(a: PostalAddress | null | undefined): string {
  if (!a) return "";
  return [a.street, [a.postal_code, a.city].filter(Boolean).join(" "), a.region, a.country].filter(Boolean).join(", ");
}

export function orderTitle(order: Pick<Order, "number"> | undefined): string {
  return order?.number || "Order";
}

export const loadOrder = (id: string, signal?: AbortSignal) => get<Order>(`/orders/${id}`, undefined, signal);

/** Which actions each order status allows (the service refuses the others with the allowed moves). */
export const ORDER_MOVES: Record<OrderStatus, { submit: boolean; cancel: boolean; ship: boolean }> = {
  draft: { submit: true, cancel: true, ship: false },
  submitted: { submit: false, cancel: true, ship: true },
  partly_shipped: { submit: false, cancel: false, ship: true },
  shipped: { submit: false, cancel: false, ship: false },
  delivered: { submit: false, cancel: false, ship: false },
  cancelled: { submit: false, cancel: false, ship: false },
};
