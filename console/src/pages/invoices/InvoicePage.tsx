// One invoice: its number (or "Draft"), dates, lines, tax lines and totals,
// what was paid and credited and the balance; for finance: issue it, record
// a payment (the amount defaults to the balance; more than the balance is
// refused next to the amount), issue a credit note (whole or some lines);
// its payments and credit notes, and its customer document when there is one.
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useLoaderData, useNavigate, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { del, getWithEtag, Problem, request } from "../../lib/api";
import { day, label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "../../components/forms";
import { accountName } from "../accounts/account";
import { ActionButton } from "../orders/actions";
import { Facts, LinesTable, StatusBadge, TotalsTable } from "../orders/documents";
import { amount, decimal, isDecimal, isNegative, isZero } from "../orders/money";
import { invoiceTitle, PAYMENT_METHODS, type CreditNote, type InvoiceDetail, type PaymentRecorded } from "./invoice";

export interface InvoiceData {
  invoice: InvoiceDetail;
  etag?: string;
  account: string | null;
}

export async function invoiceLoader({ params, request: req }: LoaderFunctionArgs): Promise<InvoiceData> {
  const answer = await getWithEtag<InvoiceDetail>(`/invoices/${params.invoiceId}`, req.signal);
  const account = answer.data.account_name ?? await accountName(answer.data.account_id);
  return { invoice: answer.data, etag: answer.etag, account };
}

function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function newKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

interface PaymentValues {
  amount: string;
  paid_on: string;
  method: string;
  reference: string;
}

function PaymentForm({ invoice, done, close }: { invoice: InvoiceDetail; done: (text: string) => void; close: () => void }) {
  // One key per form: a retried "Record payment" (a lost answer) records the payment once.
  const [key] = useState(newKey);
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, formState } = useForm<PaymentValues>({
    defaultValues: { amount: invoice.balance, paid_on: today(), method: "bank_transfer", reference: "" },
  });
  const submit = async (v: PaymentValues) => {
    setGeneral([]);
    if (!isDecimal(v.amount)) {
      setError("amount", { type: "client", message: `Give the amount received, like ${invoice.balance}.` });
      return;
    }
    try {
      await request<PaymentRecorded>(`/invoices/${invoice.id}/payments`, {
        method: "POST",
        headers: { "Idempotency-Key": key },
        body: { amount: v.amount.trim(), paid_on: v.paid_on, method: v.method, reference: v.reference.trim() || null },
      });
      done(`Payment of ${amount(v.amount.trim(), invoice.currency)} recorded.`);
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["amount", "paid_on", "method", "reference"]));
    }
  };
  return (
    <form className="panel inset" onSubmit={handleSubmit(submit)} noValidate aria-label="Record a payment">
      <h3>Record a payment</h3>
      <div className="form-grid">
        <TextField label={`Amount (${invoice.currency})`} inputMode="decimal" error={formState.errors.amount?.message} autoFocus
          hint={`The balance is ${amount(invoice.balance, invoice.currency)}.`}
          {...register("amount", { required: "Give the amount received." })} />
        <TextField label="Paid on" type="date" error={formState.errors.paid_on?.message}
          {...register("paid_on", { required: "Give the day the money arrived." })} />
        <SelectField label="Method" error={formState.errors.method?.message}
          options={PAYMENT_METHODS.map((m) => ({ value: m, label: label(m) }))} {...register("method")} />
        <TextField label="Reference" error={formState.errors.reference?.message} hint="The bank's or card's reference, if any."
          maxLength={200} {...register("reference")} />
      </div>
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>Record payment</button>
        <button type="button" className="secondary" onClick={close}>Cancel</button>
      </div>
    </form>
  );
}

type CreditValues = Record<string, string>;

function CreditNoteForm({ invoice, done, close }: { invoice: InvoiceDetail; done: (note: CreditNote) => void; close: () => void }) {
  const lines = invoice.lines;
  const [key] = useState(newKey);
  const [general, setGeneral] = useState<string[]>([]);
  const defaults: CreditValues = { scope: "whole", reason: "" };
  for (const line of lines) defaults[`qty_${line.id}`] = "";
  const { register, handleSubmit, setError, watch, formState } = useForm<CreditValues>({ defaultValues: defaults });
  const scope = watch("scope");
  const submit = async (v: CreditValues) => {
    setGeneral([]);
    const body: Record<string, unknown> = { reason: v.reason.trim() };
    let sent: typeof lines = [];
    if (v.scope === "lines") {
      let bad = false;
      for (const line of lines) {
        const text = (v[`qty_${line.id}`] ?? "").trim();
        if (text && !isDecimal(text)) {
          setError(`qty_${line.id}`, { type: "client", message: "Give a quantity like 1 or 0.5 (empty: not credited)." });
          bad = true;
        }
      }
      if (bad) return;
      sent = lines.filter((l) => (v[`qty_${l.id}`] ?? "").trim() && !isZero(v[`qty_${l.id}`].trim()));
      if (sent.length === 0) {
        setGeneral(["Give the quantity to credit for at least one line, or credit the whole invoice."]);
        return;
      }
      body.lines = sent.map((l) => ({ invoice_line_id: l.id, quantity: v[`qty_${l.id}`].trim() }));
    }
    try {
      const answer = await request<CreditNote>(`/invoices/${invoice.id}/credit-notes`, {
        method: "POST", headers: { "Idempotency-Key": key }, body,
      });
      done(answer.data);
    } catch (e) {
      const fields: Record<string, string> = {};
      if (e instanceof Problem) {
        for (const k of Object.keys(e.errors)) {
          const match = /^lines\.(\d+)(?:\.\w+)?$/.exec(k);
          if (match && sent[Number(match[1])]) fields[k] = `qty_${sent[Number(match[1])].id}`;
        }
      }
      setGeneral(applyProblem(e, setError, ["reason", "scope", ...Object.values(fields)], { ...fields, lines: "scope" }));
    }
  };
  return (
    <form className="panel inset" onSubmit={handleSubmit(submit)} noValidate aria-label="Issue a credit note">
      <h3>Issue a credit note</h3>
      <fieldset className="plain checks">
        <legend>What is credited</legend>
        <label className="choice"><input type="radio" value="whole" autoFocus {...register("scope")} /> The whole invoice (what is not credited yet)</label>
        <label className="choice"><input type="radio" value="lines" {...register("scope")} /> Some lines or quantities</label>
        {formState.errors.scope?.message && <p className="field-error">{formState.errors.scope.message}</p>}
      </fieldset>
      {scope === "lines" && (
        <div className="form-grid">
          {lines.map((line) => (
            <TextField key={line.id} label={`Credit of ${line.name}${line.sku ? ` (${line.sku})` : ""}`} inputMode="decimal"
              hint={`Invoiced ${decimal(line.quantity)} at ${amount(line.unit_price, invoice.currency)}; empty: not credited.`}
              error={formState.errors[`qty_${line.id}`]?.message} {...register(`qty_${line.id}`)} />
          ))}
        </div>
      )}
      <TextArea label="Reason" rows={2} maxLength={500} error={formState.errors.reason?.message}
        hint="Printed on the credit note, like “2 units returned damaged”."
        {...register("reason", { required: "Say why the invoice is credited (it is printed on the credit note)." })} />
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>Issue credit note</button>
        <button type="button" className="secondary" onClick={close}>Cancel</button>
      </div>
    </form>
  );
}

export function InvoicePage() {
  const { invoice, etag, account } = useLoaderData() as InvoiceData;
  const can = useCan();
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const [message, setMessage] = useState<string>();
  const [form, setForm] = useState<"payment" | "credit" | null>(null);
  const finance = can("finance:write");
  const totals = invoice.totals;
  const ifMatch = etag ?? `"${invoice.version}"`;
  const refresh = (text: string) => {
    setForm(null);
    setMessage(text);
    revalidator.revalidate();
  };
  const payable = ["issued", "partly_paid", "overdue"].includes(invoice.status) && !isZero(invoice.balance) && !isNegative(invoice.balance);
  const creditable = ["issued", "partly_paid", "paid", "overdue"].includes(invoice.status);
  const payments = invoice.payments;
  const notes = invoice.credit_notes;
  const documentUrl = `/api/v1/invoices/${invoice.id}/document.html`;
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{invoice.number ? `Invoice ${invoice.number}` : "Draft invoice"}</h1>
          <p className="muted">
            <StatusBadge status={invoice.status} /> · <Link to={`/accounts/${invoice.account_id}`}>{account ?? "Account"}</Link>
            {" "}· order <Link to={`/orders/${invoice.order_id}`}>{invoice.order_number ?? "order"}</Link>
            {" "}· {amount(totals.gross_total, invoice.currency)}
            {invoice.due_date && <> · due {day(invoice.due_date)}</>}
          </p>
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      {invoice.status === "draft" && <p className="alert info">A draft has no number yet: it gets the next one in its series when it is issued.</p>}
      <div className="grid-2">
        <div>
          <section className="panel" aria-labelledby="invoice-lines-heading">
            <h2 id="invoice-lines-heading">Lines</h2>
            <LinesTable lines={invoice.lines} currency={invoice.currency} caption={`Lines of ${invoiceTitle(invoice)}`}
              pricesIncludeTax={invoice.prices_include_tax} />
            <TotalsTable totals={totals} currency={invoice.currency} caption={`Totals of ${invoiceTitle(invoice)}`} after={[
              { label: "Paid", value: amount(invoice.paid_total, invoice.currency) },
              { label: "Credited", value: amount(invoice.credited_total, invoice.currency) },
              { label: "Balance", value: amount(invoice.balance, invoice.currency), strong: true },
              ...(!isZero(invoice.credit_balance)
                ? [{ label: "Customer credit", value: amount(invoice.credit_balance, invoice.currency) }] : []),
            ]} />
          </section>

          <section className="panel" aria-labelledby="payments-heading">
            <div className="page-head">
              <h2 id="payments-heading">Payments</h2>
              {finance && payable && form !== "payment" && (
                <button type="button" onClick={() => { setMessage(undefined); setForm("payment"); }}>Record payment</button>
              )}
            </div>
            {form === "payment" && <PaymentForm invoice={invoice} done={refresh} close={() => setForm(null)} />}
            {payments.length === 0 ? <p className="muted">No payment recorded.</p> : (
              <div className="table-wrap" tabIndex={0} role="region" aria-label="Payments">
                <table className="list">
                  <caption className="visually-hidden">Payments of {invoiceTitle(invoice)}</caption>
                  <thead><tr><th scope="col">Paid on</th><th scope="col">Method</th><th scope="col">Reference</th><th scope="col" className="num">Amount</th><th scope="col">Recorded</th></tr></thead>
                  <tbody>
                    {payments.map((p) => (
                      <tr key={p.id}>
                        <td data-label="Paid on">{day(p.paid_on)}</td>
                        <td data-label="Method">{label(p.method)}</td>
                        <td data-label="Reference">{p.reference ?? "—"}</td>
                        <td data-label="Amount" className="num">{amount(p.amount, p.currency)}</td>
                        <td data-label="Recorded">{when(p.created_at)}{p.created_by ? ` by ${p.created_by}` : ""}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>

          <section className="panel" aria-labelledby="credit-notes-heading">
            <div className="page-head">
              <h2 id="credit-notes-heading">Credit notes</h2>
              {finance && creditable && form !== "credit" && (
                <button type="button" className="secondary" onClick={() => { setMessage(undefined); setForm("credit"); }}>Credit note</button>
              )}
            </div>
            {form === "credit" && (
              <CreditNoteForm invoice={invoice} close={() => setForm(null)}
                done={(note) => refresh(`Credit note ${note.number} issued.`)} />
            )}
            {notes.length === 0 ? <p className="muted">Nothing credited.</p> : (
              <ul className="plain">
                {notes.map((n) => (
                  <li key={n.id}>
                    <Link to={`/credit-notes/${n.id}`}>{n.number}</Link> · {day(n.issue_date)}
                    {" "}· {amount(n.totals.gross_total, n.currency)} · {n.reason}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
        <aside>
          {finance && invoice.status === "draft" && (
            <section className="panel" aria-labelledby="invoice-actions-heading">
              <h2 id="invoice-actions-heading">Actions</h2>
              <div className="action-stack">
                <ActionButton work={() => request(`/invoices/${invoice.id}/issue`, { method: "POST", body: {}, ifMatch })}
                  done={() => refresh("Invoice issued.")}>
                  Issue invoice
                </ActionButton>
                <ActionButton className="danger" work={() => del(`/invoices/${invoice.id}`)} done={() => navigate(`/orders/${invoice.order_id}`)}>
                  Delete draft
                </ActionButton>
              </div>
            </section>
          )}
          <section className="panel" aria-labelledby="invoice-details-heading">
            <h2 id="invoice-details-heading">Details</h2>
            <Facts title="Invoice details" items={[
              ["Number", invoice.number ?? "Draft (numbered when issued)"],
              ["Issued", day(invoice.issue_date)],
              ["Due", day(invoice.due_date)],
              ["Payment terms", `${invoice.payment_terms_days} days`],
              ["Currency", invoice.currency],
              ["For", invoice.shipment_id ? "One shipment of the order" : "The order"],
              ["Created", `${when(invoice.created_at)}${invoice.created_by ? ` by ${invoice.created_by}` : ""}`],
            ]} />
            <p className="doc-links">
              <a href={documentUrl} target="_blank" rel="noopener">Customer document (HTML)</a>
              {" · "}
              <a href={documentUrl.replace(/\.html$/, ".pdf")} target="_blank" rel="noopener">PDF</a>
            </p>
          </section>
        </aside>
      </div>
    </article>
  );
}
