// Picking a product by typing part of its SKU or name: the catalog answers as
// you type (GET /products?q=, debounced, the older request aborted), and each
// match is a button. Only active products are offered unless told otherwise.
import { useEffect, useId, useState } from "react";
import { Link } from "react-router";
import { describe, get } from "../../lib/api";
import type { Page } from "../../components/records";
import { productLabel, type Product } from "./catalog";

interface Props {
  label?: string;
  value: Pick<Product, "id" | "sku" | "name"> | null;
  onChange: (product: Product | null) => void;
  error?: string;
  hint?: string;
  /** Inactive products too (an admin setting a price). */
  includeInactive?: boolean;
  /** Shown as the link of the chosen product (false: no link). */
  linked?: boolean;
}

export function ProductPicker({ label = "Product", value, onChange, error, hint, includeInactive = false, linked = true }: Props) {
  const id = useId();
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<Product[] | null>(null);
  const [problem, setProblem] = useState<string>();
  const text = q.trim();

  useEffect(() => {
    if (value || text.length < 1) {
      setHits(null);
      setProblem(undefined);
      return;
    }
    const controller = new AbortController();
    const timer = window.setTimeout(async () => {
      try {
        const page = await get<Page<Product>>("/products", { q: text, limit: 8, active: includeInactive ? undefined : true }, controller.signal);
        setHits(page.items);
        setProblem(undefined);
      } catch (e) {
        if (!controller.signal.aborted) setProblem(describe(e));
      }
    }, 250);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [text, value, includeInactive]);

  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ") || undefined;
  if (value) {
    return (
      <div className={error ? "field invalid" : "field"} role="group" aria-labelledby={`${id}-label`}>
        <span id={`${id}-label`} className="label">{label}</span>
        <p className="picked">
          {linked ? <Link to={`/products/${value.id}`}>{productLabel(value)}</Link> : productLabel(value)}{" "}
          <button type="button" className="link" onClick={() => { onChange(null); setQ(""); }}
            aria-label={`Change ${label.toLowerCase()}: ${productLabel(value)}`}>
            Change
          </button>
        </p>
        {error && <small id={`${id}-error`} className="field-error">{error}</small>}
      </div>
    );
  }
  return (
    <div className={error ? "field invalid record-picker" : "field record-picker"}>
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={q} onChange={(e) => setQ(e.target.value)} autoComplete="off"
        placeholder="SKU or name" aria-invalid={error ? true : undefined} aria-describedby={describedBy} />
      {hint && <small id={`${id}-hint`} className="hint">{hint}</small>}
      {error && <small id={`${id}-error`} className="field-error">{error}</small>}
      <div aria-live="polite">
        {problem && <p className="error">{problem}</p>}
        {hits && hits.length === 0 && <p className="muted">No {includeInactive ? "" : "active "}product matches “{text}”.</p>}
        {hits && hits.length > 0 && (
          <ul className="picker-hits" aria-label={`Products matching ${text}`}>
            {hits.map((hit) => (
              <li key={hit.id}>
                <button type="button" className="secondary" onClick={() => onChange(hit)}>
                  {productLabel(hit)}{hit.family && <span className="muted"> · {hit.family}</span>}
                  {!hit.active && <span className="muted"> · inactive</span>}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
