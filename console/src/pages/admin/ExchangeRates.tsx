// /admin/exchange-rates: the rates that convert amounts into the reporting
// currency, and a form to add or replace one. Opened from a "missing rate"
// warning (?currency=USD), the form is filled in with that currency and focused.
import { useEffect, useMemo, useState } from "react";
import { useForm } from "react-hook-form";
import { useLoaderData, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { get, put } from "../../lib/api";
import { day, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert, TextField } from "../../components/forms";
import { refusal } from "./problems";

interface Rate {
  currency: string;
  rate: string;
  valid_from: string;
  set_by: string | null;
  set_at: string;
}

interface Rates {
  currency: string;
  items: Rate[];
}

export async function ratesLoader({ request }: LoaderFunctionArgs): Promise<Rates> {
  return get<Rates>("/exchange-rates", undefined, request.signal);
}

interface Values {
  currency: string;
  rate: string;
  valid_from: string;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The rate in force today per currency: the latest valid_from on or before today. */
function inForce(items: Rate[]): Set<Rate> {
  const now = today();
  const best = new Map<string, Rate>();
  for (const rate of items) {
    if (rate.valid_from > now) continue;
    const seen = best.get(rate.currency);
    if (!seen || rate.valid_from > seen.valid_from) best.set(rate.currency, rate);
  }
  return new Set(best.values());
}

export function ExchangeRates() {
  const rates = useLoaderData() as Rates;
  const can = useCan();
  const editable = can("sales:admin");
  const revalidator = useRevalidator();
  const [params] = useSearchParams();
  const asked = (params.get("currency") ?? "").trim().toUpperCase().slice(0, 3);
  const [general, setGeneral] = useState<string[]>([]);
  const [message, setMessage] = useState<string>();
  const { register, handleSubmit, setError, setFocus, reset, formState } = useForm<Values>({
    defaultValues: { currency: asked, rate: "", valid_from: today() },
  });
  const current = useMemo(() => inForce(rates.items), [rates]);

  // Opened for one currency: that currency filled in, the rate field focused (after the page's own focus move).
  useEffect(() => {
    if (!asked || !editable) return;
    reset({ currency: asked, rate: "", valid_from: today() });
    const timer = window.setTimeout(() => setFocus("rate"), 0);
    return () => window.clearTimeout(timer);
  }, [asked, editable, reset, setFocus]);

  const submit = async (values: Values) => {
    setGeneral([]);
    setMessage(undefined);
    const rate: Record<string, string> = { currency: values.currency.trim().toUpperCase(), rate: values.rate.trim() };
    if (values.valid_from) rate.valid_from = values.valid_from;
    try {
      await put<Rates>("/exchange-rates", { rates: [rate] });
      setMessage(`Saved: 1 ${rate.currency} = ${rate.rate} ${rates.currency} from ${day(rate.valid_from ?? today())}. Sums and the forecast use it now.`);
      reset({ currency: "", rate: "", valid_from: today() });
      revalidator.revalidate();
    } catch (e) {
      setGeneral(refusal(e, setError, ["currency", "rate", "valid_from"], {
        "rates.0.currency": "currency", "rates.0.rate": "rate", "rates.0.valid_from": "valid_from",
      }));
    }
  };

  const replace = (rate: Rate) => {
    reset({ currency: rate.currency, rate: rate.rate, valid_from: rate.valid_from });
    setMessage(undefined);
    setFocus("rate");
  };

  const err = (name: keyof Values) => formState.errors[name]?.message;
  return (
    <section>
      <h1>Exchange rates</h1>
      <p className="muted">
        Amounts in other currencies are converted into the reporting currency, <strong>{rates.currency}</strong>, for sums,
        the board and the forecast. A rate applies from its first day until the next rate of that currency.
      </p>
      <div className="grid-2">
        <div>
          <div className="table-wrap">
            <table className="list">
              <caption className="visually-hidden">Exchange rates into {rates.currency}</caption>
              <thead>
                <tr>
                  <th scope="col">Currency</th>
                  <th scope="col" className="num">{rates.currency} per unit</th>
                  <th scope="col">From</th>
                  <th scope="col">Set by</th>
                  {editable && <th scope="col"><span className="visually-hidden">Actions</span></th>}
                </tr>
              </thead>
              <tbody>
                {rates.items.map((rate) => (
                  <tr key={`${rate.currency}-${rate.valid_from}`}>
                    <td data-label="Currency">
                      {rate.currency}
                      {current.has(rate) && <> <span className="badge won">In force</span></>}
                      {rate.valid_from > today() && <> <span className="badge new">Upcoming</span></>}
                    </td>
                    <td data-label={`${rates.currency} per unit`} className="num">{rate.rate}</td>
                    <td data-label="From">{day(rate.valid_from)}</td>
                    <td data-label="Set by">{rate.set_by ?? "system"} <span className="muted">{when(rate.set_at)}</span></td>
                    {editable && (
                      <td>
                        <button type="button" className="secondary" onClick={() => replace(rate)}>
                          Replace {rate.currency} from {day(rate.valid_from)}
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
            {rates.items.length === 0 && <p className="empty">No rates yet: only {rates.currency} amounts are summed.</p>}
          </div>
        </div>
        {editable ? (
          <form className="panel" onSubmit={handleSubmit(submit)} noValidate aria-labelledby="rate-form-heading">
            <h2 id="rate-form-heading">Add or replace a rate</h2>
            {asked && ![...current].some((r) => r.currency === asked) && (
              <p className="alert info">There is no {asked} rate in force yet: set one so {asked} amounts count in sums and the forecast.</p>
            )}
            {message && <p role="status" className="alert ok">{message}</p>}
            <TextField label="Currency" maxLength={3} autoCapitalize="characters" spellCheck={false} error={err("currency")}
              hint="Three-letter ISO 4217 code, like USD."
              {...register("currency", {
                required: "Give the currency, like USD.",
                pattern: { value: /^\s*[A-Za-z]{3}\s*$/, message: "Use a three-letter ISO 4217 code, like USD." },
              })} />
            <TextField label={`Rate (${rates.currency} per 1 unit)`} inputMode="decimal" error={err("rate")}
              hint={`How many ${rates.currency} one unit of the currency is worth, like 0.92.`}
              {...register("rate", { required: "Give the rate, like 0.92." })} />
            <TextField label="Valid from" type="date" error={err("valid_from")}
              hint="The first day it applies; the same currency and day replaces that rate." {...register("valid_from")} />
            <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
            <div className="actions">
              <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Saving…" : "Save rate"}</button>
            </div>
          </form>
        ) : (
          <p className="alert info">An admin sets the exchange rates.</p>
        )}
      </div>
    </section>
  );
}
