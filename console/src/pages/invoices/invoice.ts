// Invoices, payments and credit notes as the API returns them
// (shared/schemas/orders/invoicing.py). Amounts are decimal strings.
import type { DocumentLine, ListPage, WithTotals } from "../orders/order";

export type InvoiceStatus = "draft" | "issued" | "partly_paid" | "paid" | "overdue" | "void";
export const INVOICE_STATUSES: InvoiceStatus[] = ["draft", "issued", "partly_paid", "paid", "overdue", "void"];

export interface Payment {
  id: string;
  invoice_id: string;
  amount: string;
  currency?: string;
  paid_on: string;
  method: string;
  reference: string | null;
  created_at?: string;
  created_by?: string | null;
}

export interface CreditNote extends WithTotals {
  id: string;
  number: string;
  invoice_id: string;
  invoice_number?: string | null;
  account_id: string;
  account_name?: string | null;
  order_id?: string | null;
  return_id?: string | null;
  currency: string;
  prices_include_tax?: boolean;
  reason: string | null;
  status?: string;
  issued_on?: string | null;
  issue_date?: string | null;
  lines?: DocumentLine[];
  created_at: string;
  created_by?: string | null;
}

export interface Invoice extends WithTotals {
  id: string;
  number: string | null;
  series?: string;
  status: InvoiceStatus;
  order_id: string;
  order_number?: string | null;
  shipment_id: string | null;
  account_id: string;
  account_name?: string | null;
  currency: string;
  prices_include_tax?: boolean;
  issued_on?: string | null;
  issue_date?: string | null;
  due_date: string | null;
  payment_terms_days?: number | null;
  paid_total?: string;
  amount_paid?: string;
  credited_total?: string;
  amount_credited?: string;
  balance: string;
  credit_balance?: string | null;
  lines?: DocumentLine[];
  payments?: Payment[];
  credit_notes?: CreditNote[];
  created_at: string;
  created_by?: string | null;
  updated_at?: string;
  version: number;
}

export type { ListPage };

export const PAYMENT_METHODS = ["bank_transfer", "card", "cash", "cheque", "other"];

export const issuedOn = (d: { issued_on?: string | null; issue_date?: string | null }) => d.issued_on ?? d.issue_date ?? null;
export const paidOf = (i: Invoice) => i.paid_total ?? i.amount_paid ?? "";
export const creditedOf = (i: Invoice) => i.credited_total ?? i.amount_credited ?? "";
export const invoiceTitle = (i: Pick<Invoice, "number"> | undefined) => (i ? i.number ?? "Draft invoice" : "Invoice");
