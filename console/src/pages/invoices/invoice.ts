// Invoices, payments and credit notes as the API returns them
// (shared/schemas/orders/invoicing.py). Amounts are decimal strings with the
// currency's decimals; totals are under `totals`, as on quotes and orders.
import type { DocumentLine, StatusCounts, Totals } from "../orders/order";

export type InvoiceStatus = "draft" | "issued" | "partly_paid" | "paid" | "overdue" | "void";
export const INVOICE_STATUSES: InvoiceStatus[] = ["draft", "issued", "partly_paid", "paid", "overdue", "void"];

/** GET /invoices/counts (InvoiceCountsSchema): also how many are unpaid past their due date (overdue=true). */
export interface InvoiceCounts extends StatusCounts<InvoiceStatus> {
  overdue: number;
}

export type PaymentMethod = "bank_transfer" | "card" | "cash" | "cheque" | "other";
export const PAYMENT_METHODS: PaymentMethod[] = ["bank_transfer", "card", "cash", "cheque", "other"];

/** A payment of an invoice (PaymentSchema). */
export interface Payment {
  id: string;
  invoice_id: string;
  invoice_number: string | null;
  account_id: string;
  amount: string;
  currency: string;
  paid_on: string;
  method: PaymentMethod;
  reference: string | null;
  created_by: string | null;
  created_at: string;
}

/** A credit note without its lines: lists, and an invoice's credit notes (CreditNoteSummarySchema). */
export interface CreditNoteSummary {
  id: string;
  number: string;
  invoice_id: string;
  invoice_number: string | null;
  order_id: string;
  account_id: string;
  /** The return (RMA) refunded, if any. */
  return_id: string | null;
  reason: string;
  currency: string;
  prices_include_tax: boolean;
  totals: Totals;
  issue_date: string;
  version: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A credit note with its lines (CreditNoteSchema); a line's source_line_id is the invoice line credited. */
export interface CreditNote extends CreditNoteSummary {
  lines: DocumentLine[];
}

/** An invoice without its lines, as lists give it (InvoiceSchema). */
export interface Invoice {
  id: string;
  /** Set when issued, like INV-2026-000001. */
  number: string | null;
  series: string;
  status: InvoiceStatus;
  order_id: string;
  order_number: string | null;
  shipment_id: string | null;
  account_id: string;
  account_name: string | null;
  currency: string;
  prices_include_tax: boolean;
  totals: Totals;
  paid_total: string;
  credited_total: string;
  /** Left to pay: gross total - paid - credited, never below zero. */
  balance: string;
  /** Owed to the customer: paid + credited beyond the gross total. */
  credit_balance: string;
  /** Unpaid and past its due date. */
  overdue: boolean;
  payment_terms_days: number;
  issue_date: string | null;
  due_date: string | null;
  billing_address: Record<string, unknown> | null;
  customer_reference: string | null;
  notes: string | null;
  issued_at: string | null;
  issued_by: string | null;
  version: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** An invoice with its lines, payments and credit notes (InvoiceDetailSchema). */
export interface InvoiceDetail extends Invoice {
  lines: DocumentLine[];
  payments: Payment[];
  credit_notes: CreditNoteSummary[];
}

/** The answer of recording a payment: the payment and the invoice as it is now (PaymentRecordedSchema). */
export interface PaymentRecorded {
  payment: Payment;
  invoice: Invoice;
}

export const invoiceTitle = (i: Pick<Invoice, "number"> | undefined) => (i ? i.number ?? "Draft invoice" : "Invoice");
