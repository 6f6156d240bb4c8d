// A direct order (without a quote): the account (or ?account_id=), currency,
// price book, tax country, lines priced live by the server, addresses,
// payment terms and the customer's reference. Saved as a draft.
import { useEffect, useState } from "react";
import { Controller, useForm } from "react-hook-form";
import { useLoaderData, useNavigate, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { get, post } from "../../lib/api";
import { applyProblem, FormAlert, SelectField, TextField } from "../../components/forms";
import type { Page } from "../../components/records";
import { AccountPicker } from "../accounts/AccountPicker";
import type { Account } from "../accounts/account";
import { EMPTY_LINE, LineEditor, lineErrorFields, lineInput, type LineValues } from "./LineEditor";
import type { Order } from "./order";
import { AddressFields, addressBody, addressErrorFields, formAddress, type AddressValues } from "./addresses";

interface PriceBook {
  id: string;
  name: string;
  is_standard: boolean;
  prices_include_tax: boolean;
}

export async function newOrderLoader({ request: req }: LoaderFunctionArgs): Promise<{ books: PriceBook[] }> {
  const books = await get<Page<PriceBook>>("/price-books", { active: true, limit: 100 }, req.signal)
    .then((p) => p.items).catch(() => []);
  return { books };
}

interface Values {
  account_id: string;
  currency: string;
  price_book_id: string;
  tax_country: string;
  customer_reference: string;
  payment_terms_days: string;
  ship: AddressValues;
  billing_differs: boolean;
  bill: AddressValues;
  lines: LineValues[];
}

export function NewOrder() {
  const { books } = useLoaderData() as { books: PriceBook[] };
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [general, setGeneral] = useState<string[]>([]);
  const [accountCountry, setAccountCountry] = useState("");
  const standard = books.find((b) => b.is_standard);
  const { register, handleSubmit, setError, setValue, control, watch, formState } = useForm<Values>({
    defaultValues: {
      account_id: params.get("account_id") ?? "",
      currency: "EUR",
      price_book_id: standard?.id ?? "",
      tax_country: "",
      customer_reference: "",
      payment_terms_days: "",
      ship: formAddress(),
      billing_differs: false,
      bill: formAddress(),
      lines: [{ ...EMPTY_LINE }],
    },
  });
  const accountId = watch("account_id");
  useEffect(() => {
    if (!accountId) {
      setAccountCountry("");
      return;
    }
    const controller = new AbortController();
    get<Account>(`/accounts/${accountId}`, undefined, controller.signal)
      .then((a) => setAccountCountry(a.country ?? ""))
      .catch(() => setAccountCountry(""));
    return () => controller.abort();
  }, [accountId]);

  const taxCountry = watch("tax_country").trim() || accountCountry;
  const submit = async (v: Values) => {
    setGeneral([]);
    const body: Record<string, unknown> = {
      account_id: v.account_id,
      currency: v.currency.trim().toUpperCase(),
      price_book_id: v.price_book_id || null,
      lines: v.lines.map(lineInput),
      ...addressBody(v),
    };
    if (v.tax_country.trim()) body.tax_country = v.tax_country.trim().toUpperCase();
    if (v.customer_reference.trim()) body.customer_reference = v.customer_reference.trim();
    if (v.payment_terms_days.trim()) {
      if (!/^\d+$/.test(v.payment_terms_days.trim())) {
        setError("payment_terms_days", { type: "client", message: "Give a whole number of days, like 30 (0 to 365)." });
        return;
      }
      body.payment_terms_days = Number(v.payment_terms_days.trim());
    }
    try {
      const order = await post<Order>("/orders", body);
      navigate(`/orders/${order.id}`, { replace: true });
    } catch (e) {
      const lineFields = lineErrorFields(e);
      const fields: Record<string, string> = { ...lineFields, ...addressErrorFields(v.billing_differs) };
      setGeneral(applyProblem(e, setError,
        ["account_id", "currency", "price_book_id", "tax_country", "customer_reference", "payment_terms_days", "lines",
          ...Object.values(fields)], fields));
    }
  };
  const err = (name: string): string | undefined => {
    const parts = name.split(".");
    let node: any = formState.errors;
    for (const part of parts) node = node?.[part];
    return node?.message;
  };
  const differs = watch("billing_differs");
  return (
    <section>
      <h1>New order</h1>
      <form onSubmit={handleSubmit(submit)} noValidate className="panel" aria-label="New order">
        <div className="form-grid">
          <Controller control={control} name="account_id" rules={{ required: "Pick the account (customer) of the order." }}
            render={({ field }) => <AccountPicker value={field.value} onChange={field.onChange} error={err("account_id")} />} />
          <TextField label="Currency" maxLength={3} autoCapitalize="characters" error={err("currency")} hint="Three-letter code, like EUR."
            {...register("currency", { required: "Give the currency, like EUR." })} />
          <SelectField label="Price book" error={err("price_book_id")} placeholder="The standard book"
            options={books.map((b) => ({ value: b.id, label: `${b.name}${b.prices_include_tax ? " (prices include tax)" : ""}` }))}
            {...register("price_book_id")} />
          <TextField label="Tax country" maxLength={2} autoCapitalize="characters" error={err("tax_country")}
            hint={accountCountry ? `Empty: the account's country (${accountCountry}).` : "Two-letter code, like DE; empty: the account's country."}
            {...register("tax_country")} />
          <TextField label="Customer reference" error={err("customer_reference")} hint="Their PO number, if any." maxLength={100}
            {...register("customer_reference")} />
          <TextField label="Payment terms (days)" inputMode="numeric" error={err("payment_terms_days")} hint="Empty: the usual terms."
            {...register("payment_terms_days")} />
        </div>

        <LineEditor control={control} register={register} setValue={setValue} errors={formState.errors} lines={watch("lines")}
          context={{ currency: watch("currency"), price_book_id: watch("price_book_id"), tax_country: taxCountry }} />

        <AddressFields register={register} err={err} differs={differs} />
        <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Creating…" : "Create draft order"}</button>
          <button type="button" className="secondary" onClick={() => navigate(-1)}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
