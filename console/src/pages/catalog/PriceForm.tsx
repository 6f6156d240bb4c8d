// "Add price" (admins): a new price period of a product in a price book and
// currency, with optional volume tiers. An open period of the same product,
// book and currency that starts earlier is closed by the server; an overlap
// is refused with its reason next to the dates.
import { useState } from "react";
import { describe, post, Problem } from "../../lib/api";
import { day } from "../../lib/format";
import { amount } from "../orders/money";
import { FormAlert, SelectField, TextField } from "../../components/forms";
import { ProductPicker } from "./ProductPicker";
import { bookLabel, today, type Price, type PriceBook, type Product, type Tier } from "./catalog";

interface Props {
  /** The book the price goes in; without it, a select of `books`. */
  book?: PriceBook;
  books?: PriceBook[];
  /** The product priced; without it, a product picker. */
  product?: Pick<Product, "id" | "sku" | "name">;
  defaultCurrency?: string;
  onSaved: (price: Price) => void;
}

type Errors = Record<string, string>;

export function PriceForm({ book, books = [], product, defaultCurrency = "EUR", onSaved }: Props) {
  const [picked, setPicked] = useState<Pick<Product, "id" | "sku" | "name"> | null>(product ?? null);
  const [bookId, setBookId] = useState(book?.id ?? books.find((b) => b.is_standard)?.id ?? "");
  const [currency, setCurrency] = useState(defaultCurrency);
  const [unitPrice, setUnitPrice] = useState("");
  const [validFrom, setValidFrom] = useState(today());
  const [validTo, setValidTo] = useState("");
  const [tiers, setTiers] = useState<Tier[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string>();

  const setTier = (index: number, key: keyof Tier, value: string) =>
    setTiers((old) => old.map((t, i) => (i === index ? { ...t, [key]: value } : t)));

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setErrors({});
    setGeneral([]);
    setSaved(undefined);
    const wanted: Errors = {};
    if (!picked) wanted.product_id = "Pick the product to price.";
    if (!bookId) wanted.price_book_id = "Pick the price book.";
    if (!unitPrice.trim()) wanted.unit_price = "Give the unit price, like 120.00.";
    if (Object.keys(wanted).length) {
      setErrors(wanted);
      return;
    }
    const body: Record<string, unknown> = {
      product_id: picked!.id,
      currency: currency.trim().toUpperCase(),
      unit_price: unitPrice.trim(),
      valid_from: validFrom || undefined,
      valid_to: validTo || null,
      tiers: tiers.filter((t) => t.min_quantity.trim() || t.unit_price.trim())
        .map((t) => ({ min_quantity: t.min_quantity.trim(), unit_price: t.unit_price.trim() })),
    };
    setBusy(true);
    try {
      const { price, closed } = await post<{ price: Price; closed: Price | null }>(`/price-books/${bookId}/prices`, body);
      setSaved(`Saved: ${picked!.sku} at ${amount(price.unit_price, price.currency)} from ${day(price.valid_from)}.`
        + (closed ? ` The price before it now ends ${day(closed.valid_to)}.` : ""));
      setUnitPrice("");
      setValidTo("");
      setTiers([]);
      if (!product) setPicked(null);
      onSaved(price);
    } catch (e) {
      if (e instanceof Problem && Object.keys(e.errors).some((k) => k !== "_schema")) {
        const placed: Errors = {};
        const rest: string[] = [...e.general];
        for (const [key, messages] of Object.entries(e.errors)) {
          if (key === "_schema") continue;
          const known = ["product_id", "currency", "unit_price", "valid_from", "valid_to", "tiers", "price_book_id"];
          if (known.includes(key) || /^tiers\.\d+\.(min_quantity|unit_price)$/.test(key)) placed[key] = messages.join(" ");
          else rest.push(`${key}: ${messages.join(" ")}`);
        }
        setErrors(placed);
        setGeneral(rest);
      } else {
        setGeneral([describe(e)]);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby="price-form-heading">
      <h2 id="price-form-heading">Add price</h2>
      {saved && <p role="status" className="alert ok">{saved}</p>}
      <div className="form-grid">
        {!product && <ProductPicker value={picked} onChange={setPicked} includeInactive error={errors.product_id} />}
        {!book && (
          <SelectField label="Price book" value={bookId} onChange={(e) => setBookId(e.target.value)} error={errors.price_book_id}
            placeholder="Pick a price book" options={books.map((b) => ({ value: b.id, label: bookLabel(b) }))} />
        )}
        <TextField label="Currency" value={currency} onChange={(e) => setCurrency(e.target.value)} maxLength={3}
          autoCapitalize="characters" error={errors.currency} hint="Three-letter code, like EUR, JPY or KWD." />
        <TextField label="Unit price" value={unitPrice} onChange={(e) => setUnitPrice(e.target.value)} inputMode="decimal"
          error={errors.unit_price}
          hint={(book ?? books.find((b) => b.id === bookId))?.prices_include_tax ? "Tax included; up to 6 decimals." : "Before tax; up to 6 decimals."} />
        <TextField label="Valid from" type="date" value={validFrom} onChange={(e) => setValidFrom(e.target.value)} error={errors.valid_from} />
        <TextField label="Valid to" type="date" value={validTo} onChange={(e) => setValidTo(e.target.value)} error={errors.valid_to}
          hint="Last day; empty: until a newer price." />
      </div>
      <fieldset>
        <legend>Volume tiers</legend>
        {errors.tiers && <p className="field-error">{errors.tiers}</p>}
        {tiers.length === 0 && <p className="muted">None: the unit price applies to any quantity.</p>}
        {tiers.map((tier, index) => (
          <div className="tier-row" key={index}>
            <TextField label={`Tier ${index + 1}: from quantity`} value={tier.min_quantity} inputMode="decimal"
              onChange={(e) => setTier(index, "min_quantity", e.target.value)} error={errors[`tiers.${index}.min_quantity`]} />
            <TextField label={`Tier ${index + 1}: unit price`} value={tier.unit_price} inputMode="decimal"
              onChange={(e) => setTier(index, "unit_price", e.target.value)} error={errors[`tiers.${index}.unit_price`]} />
            <button type="button" className="secondary" onClick={() => setTiers((old) => old.filter((_, i) => i !== index))}>
              Remove tier {index + 1}
            </button>
          </div>
        ))}
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setTiers((old) => [...old, { min_quantity: "", unit_price: "" }])}>
            Add a tier
          </button>
        </div>
      </fieldset>
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={busy}>{busy ? "Saving…" : "Save price"}</button>
      </div>
    </form>
  );
}
