// Orders, shipments and the document shapes every orders screen shares, as
// the API returns them (shared/schemas/orders/common.py, orders.py). Amounts,
// quantities and rates are decimal strings.
import { get } from "../../lib/api";

/** The tax of a document at one rate (TaxLineSchema). */
export interface TaxLine {
  rate: string;
  net: string;
  tax: string;
}

/** A document's totals, under `totals` of every quote, order, invoice and credit note (TotalsSchema). */
export interface Totals {
  net_total: string;
  tax_total: string;
  gross_total: string;
  discount_total: string;
  tax_lines: TaxLine[];
}

/** A line of a quote, order, invoice or credit note (DocumentLineSchema). */
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

/** An order line and what happened to it so far (OrderLineSchema). */
export interface OrderLine extends DocumentLine {
  shipped_quantity: string;
  delivered_quantity: string;
  returned_quantity: string;
}

/** A shipping or billing address (OrderAddressSchema): every key is sent, null when not given. */
export interface PostalAddress {
  street: string | null;
  city: string | null;
  region: string | null;
  postal_code: string | null;
  country: string | null;
}

export interface ShipmentLine {
  id: string;
  order_line_id: string;
  /** The order line's position. */
  position: number;
  sku: string | null;
  name: string;
  quantity: string;
}

export type ShipmentStatus = "shipped" | "delivered";

export interface Shipment {
  id: string;
  order_id: string;
  /** The order's number and the shipment's ordinal. */
  number: string;
  status: ShipmentStatus;
  carrier: string | null;
  tracking_number: string | null;
  shipped_at: string;
  delivered_at: string | null;
  lines: ShipmentLine[];
  version: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export type OrderStatus = "draft" | "submitted" | "partly_shipped" | "shipped" | "delivered" | "cancelled";
export const ORDER_STATUSES: OrderStatus[] = ["draft", "submitted", "partly_shipped", "shipped", "delivered", "cancelled"];

/** How many documents of each status a list shows under its filters but status (every status present). */
export interface StatusCounts<S extends string = string> {
  by_status: Record<S, number>;
  total: number;
}

/** GET /orders/counts (OrderCountsSchema). */
export type OrderCounts = StatusCounts<OrderStatus>;

/** An order without its lines, as lists give it (OrderSummarySchema). */
export interface OrderSummary {
  id: string;
  number: string;
  account_id: string;
  account_name: string | null;
  quote_id: string | null;
  opportunity_id: string | null;
  status: OrderStatus;
  currency: string;
  price_book_id: string | null;
  tax_country: string;
  prices_include_tax: boolean;
  shipping_address: PostalAddress | null;
  billing_address: PostalAddress | null;
  payment_terms_days: number;
  customer_reference: string | null;
  notes: string | null;
  totals: Totals;
  /** When it was submitted. */
  placed_at: string | null;
  delivered_at: string | null;
  cancelled_at: string | null;
  cancel_reason: string | null;
  version: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** An order with its lines and shipments (OrderSchema). */
export interface Order extends OrderSummary {
  lines: OrderLine[];
  shipments: Shipment[];
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
