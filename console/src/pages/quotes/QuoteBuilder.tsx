// The quote builder: /quotes/new?account_id=&opportunity_id= and
// /quotes/:id/edit (a draft). Account, opportunity, currency, price book, tax
// country, validity and lines; the totals are the server's, priced live as the
// lines change (POST /pricing/preview, debounced, the older request aborted),
// and every reason the server gives shows next to its field (lines.2.quantity).
// Saved as a draft; an edit sends If-Match and replaces the lines whole.
import { useEffect, useState } from "react";
import { Controller, useForm } from "react-hook-form";
import { Link, useLoaderData, useNavigate, useRouteLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { get, post, Problem, request } from "../../lib/api";
import { useCan } from "../../lib/session";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "../../components/forms";
import type { Page } from "../../components/records";
import { AccountPicker } from "../accounts/AccountPicker";
import type { Account } from "../accounts/account";
import type { Opportunity } from "../opportunities/opportunity";
import { bookLabel, loadPriceBooks, today, type PriceBook } from "../catalog/catalog";
import { decimal } from "../orders/money";
import { EMPTY_LINE, LineEditor, lineErrorFields, lineInput, type LineValues } from "../orders/LineEditor";
import { quoteName, type Quote } from "./quote";
import type { QuoteData } from "./QuotePage";

interface Data {
  books: PriceBook[];
  quote: Quote | null;
  etag?: string;
  opportunity: Opportunity | null;
}

async function loadOpportunity(id: string | null, signal: AbortSignal): Promise<Opportunity | null> {
  if (!id) return null;
  return get<Opportunity>(`/opportunities/${id}`, undefined, signal).catch(() => null);
}

export async function newQuoteLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(req.url).searchParams;
  const [books, opportunity] = await Promise.all([
    loadPriceBooks(req.signal, true).catch(() => [] as PriceBook[]),
    loadOpportunity(params.get("opportunity_id"), req.signal),
  ]);
  return { books, quote: null, opportunity };
}

/** The draft itself comes from the quote's route (its loader runs first). */
export async function editQuoteLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const books = await loadPriceBooks(req.signal).catch(() => [] as PriceBook[]);
  return { books, quote: null, opportunity: null };
}

interface Values {
  account_id: string;
  opportunity_id: string;
  title: string;
  currency: string;
  price_book_id: string;
  tax_country: string;
  valid_until: string;
  notes: string;
  terms: string;
  lines: LineValues[];
}

const NAMES = ["account_id", "opportunity_id", "title", "currency", "price_book_id", "tax_country", "valid_until", "notes",
  "terms", "lines"];

function inDays(days: number): string {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A stored line as the form's line: a typed price stays typed, a book price is left to the book. */
function formLine(line: Quote["lines"][number]): LineValues {
  return {
    product_id: line.product_id ?? "",
    product_label: line.product_id ? `${line.sku ?? ""} · ${line.name}` : "",
    name: line.product_id ? "" : line.name,
    quantity: decimal(line.quantity),
    unit_price: line.price_overridden || !line.product_id ? decimal(line.unit_price) : "",
    discount_percent: line.discount_percent ? decimal(line.discount_percent) : "",
    discount_amount: line.discount_amount ?? "",
  };
}

function defaults(quote: Quote | null, books: PriceBook[], params: URLSearchParams, opportunity: Opportunity | null): Values {
  if (quote) {
    return {
      account_id: quote.account_id, opportunity_id: quote.opportunity_id ?? "", title: quote.title ?? "",
      currency: quote.currency, price_book_id: quote.price_book_id, tax_country: quote.tax_country,
      valid_until: quote.valid_until, notes: quote.notes ?? "", terms: quote.terms ?? "", lines: quote.lines.map(formLine),
    };
  }
  return {
    account_id: params.get("account_id") ?? opportunity?.account_id ?? "",
    opportunity_id: opportunity?.id ?? params.get("opportunity_id") ?? "",
    title: opportunity?.name ?? "",
    currency: opportunity?.currency ?? "EUR",
    price_book_id: books.find((b) => b.is_standard)?.id ?? "",
    tax_country: "",
    valid_until: inDays(30),
    notes: "",
    terms: "",
    lines: [{ ...EMPTY_LINE }],
  };
}

export function QuoteBuilder() {
  const own = useLoaderData() as Data;
  const parent = useRouteLoaderData("quote") as QuoteData | undefined;
  const { books, opportunity } = own;
  const quote = parent?.quote ?? own.quote;
  const etag = parent?.etag ?? own.etag;
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const can = useCan();
  const [general, setGeneral] = useState<string[]>([]);
  const [stale, setStale] = useState(false);
  const [opportunities, setOpportunities] = useState<Opportunity[]>(opportunity ? [opportunity] : []);
  const { register, handleSubmit, setError, setValue, getValues, control, watch, formState } = useForm<Values>({
    defaultValues: defaults(quote, books, params, opportunity),
  });
  const accountId = watch("account_id");
  const opportunityId = watch("opportunity_id");

  // The account's country is the default tax country; its open opportunities are offered.
  useEffect(() => {
    if (!accountId) {
      setOpportunities([]);
      return;
    }
    const controller = new AbortController();
    get<Account>(`/accounts/${accountId}`, undefined, controller.signal)
      .then((a) => {
        if (!getValues("tax_country").trim() && a.country) setValue("tax_country", a.country);
      })
      .catch(() => undefined);
    if (can("sales:read")) {
      get<Page<Opportunity>>("/opportunities", { account_id: accountId, limit: 100 }, controller.signal)
        .then((page) => setOpportunities(page.items))
        .catch(() => undefined);
    }
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [accountId]);

  const submit = async (v: Values) => {
    setGeneral([]);
    setStale(false);
    const body: Record<string, unknown> = {
      account_id: v.account_id,
      opportunity_id: v.opportunity_id || null,
      title: v.title.trim() || null,
      currency: v.currency.trim().toUpperCase(),
      price_book_id: v.price_book_id || null,
      valid_until: v.valid_until || undefined,
      notes: v.notes.trim() || null,
      terms: v.terms.trim() || null,
      lines: v.lines.map(lineInput),
    };
    if (v.tax_country.trim()) body.tax_country = v.tax_country.trim().toUpperCase();
    try {
      if (quote) {
        await request<Quote>(`/quotes/${quote.id}`, { method: "PATCH", body, ifMatch: etag ?? `"${quote.version}"` });
        navigate(`/quotes/${quote.id}`, { replace: true, state: { message: "Saved." } });
      } else {
        const saved = await post<Quote>("/quotes", body);
        navigate(`/quotes/${saved.id}`, { replace: true, state: { message: `Saved as draft ${saved.number}.` } });
      }
    } catch (e) {
      if (e instanceof Problem && e.status === 412) {
        setStale(true);
        return;
      }
      const lineFields = lineErrorFields(e);
      setGeneral(applyProblem(e, setError, [...NAMES, ...Object.values(lineFields)], lineFields));
    }
  };
  const err = (name: string): string | undefined => {
    let node: any = formState.errors;
    for (const part of name.split(".")) node = node?.[part];
    return node?.message;
  };
  const opportunityOptions = opportunities
    .filter((o) => o.category === "open" || o.id === opportunityId)
    .map((o) => ({ value: o.id, label: o.name }));
  if (opportunityId && !opportunityOptions.some((o) => o.value === opportunityId)) {
    opportunityOptions.unshift({ value: opportunityId, label: "The chosen opportunity" });
  }
  const heading = quote ? `Edit ${quoteName(quote)}` : "New quote";
  const book = books.find((b) => b.id === watch("price_book_id"));

  if (!can("orders:write")) {
    return (
      <section>
        <h1>{heading}</h1>
        <p className="alert info">Your role cannot write quotes. <Link to="/quotes">Back to the quotes</Link>.</p>
      </section>
    );
  }
  if (quote && !quote.actions.includes("update")) {
    return (
      <section>
        <h1>{heading}</h1>
        <p className="alert info">
          Only a draft can be changed; this quote is {quote.status}{quote.superseded_by ? " and superseded" : ""}.{" "}
          <Link to={`/quotes/${quote.id}`}>Back to the quote</Link>{quote.actions.includes("revise") ? " to revise it" : ""}.
        </p>
      </section>
    );
  }
  return (
    <section>
      <h1>{heading}</h1>
      <form onSubmit={handleSubmit(submit)} noValidate className="quote-builder" aria-label={heading}>
        <div className="panel">
          <div className="form-grid">
            <Controller control={control} name="account_id" rules={{ required: "Pick the account (customer) the quote is for." }}
              render={({ field }) => (
                <AccountPicker value={field.value} onChange={(id) => { field.onChange(id); setValue("opportunity_id", ""); setValue("tax_country", ""); }}
                  error={err("account_id")} />
              )} />
            <SelectField label="Opportunity" error={err("opportunity_id")} placeholder={accountId ? "(none)" : "Pick the account first"}
              options={opportunityOptions} {...register("opportunity_id")} key={`opps-${accountId}-${opportunities.length}`}
              hint="Accepting the quote marks it won." />
            <TextField label="Title" error={err("title")} maxLength={200} {...register("title")} />
            <TextField label="Currency" maxLength={3} autoCapitalize="characters" error={err("currency")} hint="Three-letter code, like EUR."
              {...register("currency", { required: "Give the currency, like EUR." })} />
            <SelectField label="Price book" error={err("price_book_id")} placeholder="The standard book"
              options={books.filter((b) => b.active || b.id === quote?.price_book_id).map((b) => ({ value: b.id, label: bookLabel(b) }))}
              hint={book?.prices_include_tax ? "Its prices include tax." : undefined} {...register("price_book_id")} />
            <TextField label="Tax country" maxLength={2} autoCapitalize="characters" error={err("tax_country")}
              hint="Two-letter code whose tax rates apply, like DE; the account's country by default."
              {...register("tax_country", { required: "Give the country whose tax applies, like DE." })} />
            <TextField label="Valid until" type="date" min={today()} error={err("valid_until")} hint="The last day it may be accepted."
              {...register("valid_until")} />
          </div>
        </div>
        <div className="panel">
          <LineEditor control={control} register={register} setValue={setValue} errors={formState.errors as any}
            lines={watch("lines")}
            context={{ currency: watch("currency"), price_book_id: watch("price_book_id"), tax_country: watch("tax_country") }} />
        </div>
        <div className="panel">
          <TextArea label="Notes" error={err("notes")} hint="Shown on the document above the lines." {...register("notes")} />
          <TextArea label="Terms" error={err("terms")} hint="Terms and conditions, shown on the document." {...register("terms")} />
        </div>
        {stale && (
          <div role="alert" className="alert error">
            <p>Someone changed this quote after you opened it, so your changes were not saved.</p>
            <p><a href={window.location.href}>Reload the page</a> to see their change, then edit again.</p>
          </div>
        )}
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Saving…" : "Save draft"}</button>
          <Link className="button secondary" to={quote ? `/quotes/${quote.id}` : "/quotes"}>Cancel</Link>
        </div>
      </form>
    </section>
  );
}
