// The lines of a new document (a direct order): a product found by SKU or
// name, quantity, an optional unit price that overrides the price book and a
// discount; or a free line (name and unit price). The totals are the
// server's: POST /pricing/preview prices the lines as they change (debounced,
// the previous request aborted), and its reasons show next to their fields.
// A stored line's discount amount (an edited draft's) is carried through
// untouched: it is sent and priced, and named next to the line's discount.
import { useEffect, useId, useRef, useState } from "react";
import { useFieldArray } from "react-hook-form";
import { get, isAbort, post, Problem } from "../../lib/api";
import { FormAlert, SelectField, TextField } from "../../components/forms";
import type { Page } from "../../components/records";
import { TotalsTable } from "./documents";
import { amount } from "./money";
import type { DocumentLine, Totals } from "./order";

export interface LineValues {
  product_id: string;
  product_label: string;
  name: string;
  quantity: string;
  unit_price: string;
  discount_percent: string;
  /** A stored line's discount off the whole line (not edited here): carried through as the API gave it. */
  discount_amount: string;
}

export const EMPTY_LINE: LineValues = {
  product_id: "", product_label: "", name: "", quantity: "1", unit_price: "", discount_percent: "", discount_amount: "",
};

export interface Product {
  id: string;
  sku: string;
  name: string;
  unit: string;
  active: boolean;
}

/** The API's line input of a form line (blank fields left out). */
export function lineInput(line: LineValues): Record<string, string> {
  const out: Record<string, string> = { quantity: line.quantity.trim() };
  if (line.product_id) out.product_id = line.product_id;
  else if (line.name.trim()) out.name = line.name.trim();
  if (line.unit_price.trim()) out.unit_price = line.unit_price.trim();
  if (line.discount_percent.trim()) out.discount_percent = line.discount_percent.trim();
  if (line.discount_amount?.trim()) out.discount_amount = line.discount_amount.trim();
  return out;
}

export const LINE_FIELDS = ["product_id", "name", "quantity", "unit_price", "discount_percent"];

/** The form field names of a problem's line errors ("lines.2.quantity"), to put them on their fields. */
export function lineErrorFields(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof Problem)) return out;
  for (const key of Object.keys(error.errors)) {
    const match = /^lines\.(\d+)\.(\w+)$/.exec(key);
    if (!match) continue;
    // The discount amount is not a field of its own: its reasons sit on the line's discount.
    out[key] = LINE_FIELDS.includes(match[2]) ? key
      : match[2] === "discount_amount" ? `lines.${match[1]}.discount_percent` : `lines.${match[1]}.product_id`;
  }
  return out;
}

function ProductPicker({ index, value, labelText, onPick, error }: {
  index: number;
  value: string;
  labelText: string;
  onPick: (product: Product | null) => void;
  error?: string;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const [matches, setMatches] = useState<Product[]>([]);
  const [active, setActive] = useState(false);
  useEffect(() => {
    if (!active) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      get<Page<Product>>("/products", { q: text.trim() || undefined, active: true, limit: 20 }, controller.signal)
        .then((page) => setMatches(page.items))
        .catch(() => undefined);
    }, text.trim() ? 250 : 0);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [text, active]);
  const options = matches.map((p) => ({ value: p.id, label: `${p.sku} · ${p.name}` }));
  if (value && !options.some((o) => o.value === value)) options.unshift({ value, label: labelText || "The chosen product" });
  return (
    <div className="picker line-product">
      <div className="field">
        <label htmlFor={id}>Find product of line {index + 1}</label>
        <input id={id} type="search" value={text} autoComplete="off" placeholder="SKU or name"
          onFocus={() => setActive(true)} onChange={(e) => { setActive(true); setText(e.target.value); }} />
      </div>
      <SelectField label={`Product of line ${index + 1}`} value={value} error={error} placeholder="(free line: give a name)"
        onFocus={() => setActive(true)} options={options}
        onChange={(e) => onPick(matches.find((p) => p.id === e.target.value) ?? (e.target.value ? { id: e.target.value, sku: "", name: labelText, unit: "", active: true } : null))} />
    </div>
  );
}

export interface PreviewContext {
  currency: string;
  price_book_id: string;
  tax_country: string;
}

/** A preview line: a document line that is not stored (PreviewLineSchema). */
interface PreviewLine extends Omit<DocumentLine, "id"> {
  id: null;
}

/** The server's pricing of the lines, its totals flat (PricingPreviewResultSchema). */
interface Preview extends Totals {
  currency: string;
  prices_include_tax: boolean;
  on_date: string;
  lines: PreviewLine[];
}

/* The form's own control, register, setValue and errors: any form with `lines: LineValues[]` (typed loosely, as
   React Hook Form's types of one form do not convert to another's). */
export function LineEditor({ control, register, setValue, errors, lines, context }: {
  control: any;
  register: any;
  setValue: any;
  errors: any;
  lines: LineValues[];
  context: PreviewContext;
}) {
  const { fields, append, remove } = useFieldArray({ control, name: "lines" });
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewErrors, setPreviewErrors] = useState<Record<string, string>>({});
  const [previewProblem, setPreviewProblem] = useState<string>();
  const [pricing, setPricing] = useState(false);
  const running = useRef<AbortController | null>(null);
  const wanted = JSON.stringify({ ...context, lines: lines.map(lineInput) });

  useEffect(() => {
    const body = JSON.parse(wanted) as PreviewContext & { lines: Record<string, string>[] };
    const priceable = body.currency.trim().length === 3 && body.tax_country.trim().length === 2
      && body.lines.length > 0 && body.lines.every((l) => (l.product_id || (l.name && l.unit_price)) && l.quantity);
    if (!priceable) {
      running.current?.abort();
      setPreview(null);
      setPreviewErrors({});
      setPreviewProblem(undefined);
      setPricing(false);
      return;
    }
    const timer = window.setTimeout(async () => {
      running.current?.abort();
      const controller = new AbortController();
      running.current = controller;
      setPricing(true);
      try {
        const answer = await post<Preview>("/pricing/preview", {
          currency: body.currency.trim().toUpperCase(),
          tax_country: body.tax_country.trim().toUpperCase(),
          price_book_id: body.price_book_id || null,
          lines: body.lines,
        }, controller.signal);
        setPreview(answer);
        setPreviewErrors({});
        setPreviewProblem(undefined);
      } catch (e) {
        if (isAbort(e) || controller.signal.aborted) return;
        setPreview(null);
        if (e instanceof Problem) {
          const byField: Record<string, string> = {};
          const other: string[] = [];
          for (const [key, messages] of Object.entries(e.errors)) {
            if (/^lines\.\d+\.\w+$/.test(key)) byField[key] = messages.join(" ");
            else other.push(...messages.map((m) => (key === "_schema" ? m : `${key}: ${m}`)));
          }
          setPreviewErrors(byField);
          setPreviewProblem(other.join(" ") || (Object.keys(byField).length ? undefined : e.detail));
        } else {
          setPreviewProblem(String(e));
        }
      } finally {
        if (running.current === controller) setPricing(false);
      }
    }, 250);
    return () => window.clearTimeout(timer);
  }, [wanted]);
  useEffect(() => () => running.current?.abort(), []);

  const lineError = (index: number, name: string): string | undefined => {
    const own = errors.lines?.[index]?.[name]?.message as string | undefined;
    return own ?? previewErrors[`lines.${index}.${name}`]
      ?? (name === "discount_percent" ? previewErrors[`lines.${index}.discount_amount`] : undefined);
  };
  const priced = (index: number) => preview?.lines[index];

  return (
    <fieldset className="plain line-editor">
      <legend>Lines</legend>
      <ol className="plain edit-lines">
        {fields.map((field, index) => {
          const line = lines[index] ?? EMPTY_LINE;
          const p = priced(index);
          return (
            <li key={field.id} className="edit-line" aria-label={`Line ${index + 1}`}>
              <ProductPicker index={index} value={line.product_id} labelText={line.product_label}
                error={lineError(index, "product_id")}
                onPick={(product) => {
                  setValue(`lines.${index}.product_id`, product?.id ?? "", { shouldDirty: true });
                  setValue(`lines.${index}.product_label`, product ? `${product.sku} · ${product.name}` : "");
                }} />
              {!line.product_id && (
                <TextField label={`Name of line ${index + 1}`} error={lineError(index, "name")} hint="A free line needs a name and a unit price."
                  {...register(`lines.${index}.name`)} />
              )}
              <TextField label={`Quantity of line ${index + 1}`} inputMode="decimal" error={lineError(index, "quantity")}
                {...register(`lines.${index}.quantity`)} />
              <TextField label={`Unit price of line ${index + 1}`} inputMode="decimal" error={lineError(index, "unit_price")}
                hint={p ? `Priced at ${amount(p.unit_price, preview!.currency)}${p.price_overridden ? " (yours)" : " (price book)"}` : "Empty: the price book's."}
                {...register(`lines.${index}.unit_price`)} />
              <TextField label={`Discount % of line ${index + 1}`} inputMode="decimal" error={lineError(index, "discount_percent")}
                hint={line.discount_amount ? `Kept: ${amount(line.discount_amount, context.currency.trim().toUpperCase())} off the line (leave this empty).` : undefined}
                {...register(`lines.${index}.discount_percent`)} />
              <div className="line-amount" aria-live="polite">
                {p ? <>Net <strong>{amount(p.net_amount, preview!.currency)}</strong> · tax {p.tax_rate} %</> : <span className="muted">—</span>}
              </div>
              {fields.length > 1 && (
                <button type="button" className="secondary" onClick={() => remove(index)}>Remove line {index + 1}</button>
              )}
            </li>
          );
        })}
      </ol>
      {errors.lines?.message && <p className="field-error">{String(errors.lines.message)}</p>}
      <div className="actions">
        <button type="button" className="secondary" onClick={() => append({ ...EMPTY_LINE })}>Add a line</button>
      </div>
      <section className="live-totals" aria-labelledby="live-totals-heading" aria-live="polite" aria-busy={pricing}>
        <h3 id="live-totals-heading">Totals {pricing && <span className="muted">(pricing…)</span>}</h3>
        {preview ? <TotalsTable totals={preview} currency={preview.currency} caption="Totals of these lines" />
          : <p className="muted">The totals show once each line has a product (or a name and price) and a quantity, with the currency and tax country.</p>}
        {previewProblem && <FormAlert><p>{previewProblem}</p></FormAlert>}
      </section>
    </fieldset>
  );
}
