// Invoices (list and page) and credit notes (list and page).
import type { RouteObject } from "react-router";
import type { InvoiceData } from "./InvoicePage";
import type { CreditNote } from "./invoice";

export const invoicesRoutes: RouteObject[] = [
  {
    path: "invoices",
    handle: { crumb: "Invoices" },
    children: [
      {
        index: true, handle: { title: "Invoices" },
        lazy: async () => {
          const m = await import("./InvoiceList");
          return { loader: m.invoiceListLoader, Component: m.InvoiceList };
        },
      },
      {
        path: ":invoiceId",
        handle: {
          crumb: (data: InvoiceData | undefined) => (data ? data.invoice.number ?? "Draft" : "Invoice"),
          title: (data: InvoiceData | undefined) => (data ? (data.invoice.number ? `Invoice ${data.invoice.number}` : "Draft invoice") : "Invoice"),
        },
        lazy: async () => {
          const m = await import("./InvoicePage");
          return { loader: m.invoiceLoader, Component: m.InvoicePage };
        },
      },
    ],
  },
  {
    path: "credit-notes",
    handle: { crumb: "Credit notes" },
    children: [
      {
        index: true, handle: { title: "Credit notes" },
        lazy: async () => {
          const m = await import("./CreditNotePage");
          return { loader: m.creditNoteListLoader, Component: m.CreditNoteList };
        },
      },
      {
        path: ":creditNoteId",
        handle: {
          crumb: (data: { note: CreditNote } | undefined) => data?.note.number ?? "Credit note",
          title: (data: { note: CreditNote } | undefined) => (data ? `Credit note ${data.note.number}` : "Credit note"),
        },
        lazy: async () => {
          const m = await import("./CreditNotePage");
          return { loader: m.creditNoteLoader, Component: m.CreditNotePage };
        },
      },
    ],
  },
];
