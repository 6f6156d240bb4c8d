// /tax-rates: the tax categories and each country's rate per category with
// its validity. Admins add a rate (a new period) and close one (its last day);
// the server refuses overlapping periods and says which one is in the way.
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Form, Link, useLoaderData, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { describe, get, post, Problem, request } from "../../lib/api";
import { day } from "../../lib/format";
import { useCan } from "../../lib/session";
import { Pager } from "../../components/DataTable";
import { applyProblem, FormAlert, SelectField, TextField } from "../../components/forms";
import { listQuery } from "../../components/lists";
import type { Page } from "../../components/records";
import { decimal } from "../orders/money";
import { inForce, loadTaxCategories, today, type TaxCategory, type TaxRate } from "./catalog";

interface Data {
  categories: TaxCategory[];
  rates: Page<TaxRate>;
  /** The filters' problems (a country that is none), shown next to them. */
  filterErrors: Record<string, string>;
}

const KEYS = ["country", "tax_category", "on_date", "cursor", "limit"];

export async function taxRatesLoader({ request: req }: LoaderFunctionArgs): Promise<Data> {
  const query = listQuery(new URL(req.url).searchParams, KEYS);
  if (query.get("country")) query.set("country", query.get("country")!.trim().toUpperCase());
  const filterErrors: Record<string, string> = {};
  const [categories, rates] = await Promise.all([
    loadTaxCategories(req.signal),
    get<Page<TaxRate>>("/tax-rates", query, req.signal).catch((e) => {
      if (!(e instanceof Problem) || e.status !== 422) throw e;
      for (const [key, messages] of Object.entries(e.errors)) filterErrors[key] = messages.join(" ");
      return { items: [], next_cursor: null } as Page<TaxRate>;
    }),
  ]);
  return { categories, rates, filterErrors };
}

interface RateValues {
  tax_category: string;
  country: string;
  rate: string;
  valid_from: string;
  valid_to: string;
}

function AddRate({ categories, country, done }: { categories: TaxCategory[]; country: string; done: (text: string) => void }) {
  const [general, setGeneral] = useState<string[]>([]);
  const { register, handleSubmit, setError, reset, formState } = useForm<RateValues>({
    defaultValues: { tax_category: "standard", country, rate: "", valid_from: today(), valid_to: "" },
  });
  const submit = async (v: RateValues) => {
    setGeneral([]);
    const body = {
      tax_category: v.tax_category, country: v.country.trim().toUpperCase(), rate: v.rate.trim(),
      valid_from: v.valid_from || undefined, valid_to: v.valid_to || null,
    };
    try {
      const saved = await post<TaxRate>("/tax-rates", body);
      reset({ tax_category: v.tax_category, country: v.country, rate: "", valid_from: today(), valid_to: "" });
      done(`Saved: ${saved.tax_category} in ${saved.country} at ${decimal(saved.rate)} % from ${day(saved.valid_from)}.`);
    } catch (e) {
      setGeneral(applyProblem(e, setError, ["tax_category", "country", "rate", "valid_from", "valid_to"]));
    }
  };
  const err = (name: keyof RateValues) => formState.errors[name]?.message;
  return (
    <form className="panel" onSubmit={handleSubmit(submit)} noValidate aria-labelledby="add-rate-heading">
      <h2 id="add-rate-heading">Add a rate</h2>
      <SelectField label="Tax category" error={err("tax_category")}
        options={categories.map((c) => ({ value: c.code, label: `${c.name} (${c.code})` }))} {...register("tax_category")} />
      <TextField label="Country" maxLength={2} autoCapitalize="characters" error={err("country")}
        hint="Two-letter ISO 3166 code, like DE or FR." {...register("country", { required: "Give the country, like DE." })} />
      <TextField label="Rate (%)" inputMode="decimal" error={err("rate")} hint="Like 19 or 7.7."
        {...register("rate", { required: "Give the rate in percent, like 19." })} />
      <TextField label="Valid from" type="date" error={err("valid_from")} {...register("valid_from")} />
      <TextField label="Valid to" type="date" error={err("valid_to")} hint="Last day; empty: until closed." {...register("valid_to")} />
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions"><button type="submit" disabled={formState.isSubmitting}>Save rate</button></div>
    </form>
  );
}

/** "Close" a rate: its last day (an open period gets an end so a new rate can follow). */
function CloseRate({ rate, done }: { rate: TaxRate; done: (text: string) => void }) {
  const [open, setOpen] = useState(false);
  const [last, setLast] = useState(today());
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const name = `${rate.tax_category} ${rate.country} from ${day(rate.valid_from)}`;
  if (!open) {
    return <button type="button" className="secondary" onClick={() => setOpen(true)}>Close <span className="visually-hidden">{name}</span></button>;
  }
  const close = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await request(`/tax-rates/${rate.id}`, { method: "PATCH", body: { valid_to: last } });
      setOpen(false);
      done(`Closed: ${name}, last day ${day(last)}.`);
    } catch (e) {
      setError(e instanceof Problem && e.errors.valid_to ? e.errors.valid_to.join(" ") : describe(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="rate-close" onSubmit={close} aria-label={`Close ${name}`}>
      <TextField label="Last day" type="date" value={last} onChange={(e) => setLast(e.target.value)} error={error} />
      <div className="actions">
        <button type="submit" disabled={busy || !last}>Close rate</button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>Cancel</button>
      </div>
    </form>
  );
}

export function TaxRates() {
  const { categories, rates, filterErrors } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const can = useCan();
  const revalidator = useRevalidator();
  const [message, setMessage] = useState<string>();
  const admin = can("orders:admin");
  const done = (text: string) => {
    setMessage(text);
    revalidator.revalidate();
  };
  const categoryName = (code: string) => categories.find((c) => c.code === code)?.name ?? code;
  return (
    <section>
      <div className="page-head">
        <h1>Tax rates</h1>
        <div className="actions">
          <Link className="button secondary" to="/products">Products</Link>
          <Link className="button secondary" to="/price-books">Price books</Link>
        </div>
      </div>
      <section className="panel" aria-labelledby="categories-heading">
        <h2 id="categories-heading">Tax categories</h2>
        <ul className="plain category-list">
          {categories.map((c) => (
            <li key={c.code}><strong>{c.name}</strong> <span className="muted">({c.code}{c.code === "zero" ? ": 0 % everywhere" : ""})</span></li>
          ))}
        </ul>
      </section>
      {message && <p role="status" className="alert ok">{message}</p>}
      <div className="grid-2">
        <div>
          <Form method="get" className="toolbar" role="search" aria-label="Filter tax rates">
            <TextField label="Country" name="country" maxLength={2} error={filterErrors.country} defaultValue={params.get("country") ?? ""} key={`c${params.get("country")}`} />
            <SelectField label="Category" name="tax_category" defaultValue={params.get("tax_category") ?? ""} key={`t${params.get("tax_category")}`}
              placeholder="Any category" options={categories.map((c) => ({ value: c.code, label: c.name }))} />
            <TextField label="In force on" name="on_date" type="date" error={filterErrors.on_date} defaultValue={params.get("on_date") ?? ""} key={`d${params.get("on_date")}`} />
            <button type="submit">Filter</button>
            <Link to="?" className="button secondary">Clear</Link>
          </Form>
          <div className="table-wrap">
            <table className="list">
              <caption className="visually-hidden">Tax rates by country and category</caption>
              <thead>
                <tr>
                  <th scope="col">Country</th><th scope="col">Category</th><th scope="col" className="num">Rate</th>
                  <th scope="col">Valid</th>{admin && <th scope="col"><span className="visually-hidden">Actions</span></th>}
                </tr>
              </thead>
              <tbody>
                {rates.items.map((r) => (
                  <tr key={r.id}>
                    <td data-label="Country">{r.country}</td>
                    <td data-label="Category">{categoryName(r.tax_category)}</td>
                    <td data-label="Rate" className="num">{decimal(r.rate)} %</td>
                    <td data-label="Valid">
                      {day(r.valid_from)} – {r.valid_to ? day(r.valid_to) : "open"}
                      {inForce(r) && <> <span className="badge won">In force</span></>}
                      {r.valid_from > today() && <> <span className="badge new">Upcoming</span></>}
                    </td>
                    {admin && <td>{(r.valid_to === null || r.valid_to >= today()) && <CloseRate rate={r} done={done} />}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
            {rates.items.length === 0 && (
              <p className="empty">No rates{params.toString() ? " match these filters" : " yet"}: quotes in a country need its rates{admin ? "; add them with the form" : ""}.</p>
            )}
          </div>
          <Pager nextCursor={rates.next_cursor} />
        </div>
        {admin && <aside><AddRate categories={categories} country={(params.get("country") ?? "").toUpperCase()} done={done} /></aside>}
      </div>
    </section>
  );
}
