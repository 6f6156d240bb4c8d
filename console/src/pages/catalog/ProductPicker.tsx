// Picking a product by typing part of its SKU or name: the catalog answers as
// you type (GET /products?q=, debounced, the older request aborted), and each
// match is a button. Only active products are offered unless told otherwise.
import { useId, useState } from "react";
import { Link } from "react-router";
import { get } from "../../lib/api";
import { ChosenValue, SearchBox, useTypeahead } from "../../components/Typeahead";
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
  const text = q.trim();
  const { hits, problem } = useTypeahead<Product>(text, !value && text.length >= 1, async (typed, signal) =>
    (await get<Page<Product>>("/products", { q: typed, limit: 8, active: includeInactive ? undefined : true }, signal)).items,
  String(includeInactive));

  if (value) {
    return (
      <ChosenValue id={id} label={label} title={productLabel(value)} error={error} onClear={() => { onChange(null); setQ(""); }}>
        {linked ? <Link to={`/products/${value.id}`}>{productLabel(value)}</Link> : productLabel(value)}
      </ChosenValue>
    );
  }
  return (
    <SearchBox id={id} label={label} q={q} onQ={setQ} placeholder="SKU or name" error={error} hint={hint} problem={problem}
      hits={hits} text={text} empty={`No ${includeInactive ? "" : "active "}product matches`} listLabel="Products matching"
      hitKey={(hit) => hit.id}>
      {(hit) => (
        <button type="button" className="secondary" onClick={() => onChange(hit)}>
          {productLabel(hit)}{hit.family && <span className="muted"> · {hit.family}</span>}
          {!hit.active && <span className="muted"> · inactive</span>}
        </button>
      )}
    </SearchBox>
  );
}
