// /products/:id: a product's facts (edited in place by admins, with If-Match)
// and its prices in every price book, with "Add price" for admins.
import { Link, useLoaderData, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag } from "../../lib/api";
import { when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { EditableFacts, type FactField } from "../../components/EditableFacts";
import type { Page } from "../../components/records";
import { PriceForm } from "./PriceForm";
import { PriceTable } from "./PriceTable";
import { loadPriceBooks, loadTaxCategories, type Price, type PriceBook, type Product, type TaxCategory } from "./catalog";

interface Data {
  product: Product;
  etag?: string;
  categories: TaxCategory[];
  books: PriceBook[];
  prices: Price[];
}

export async function productLoader({ params, request: req }: LoaderFunctionArgs): Promise<Data> {
  const id = params.productId!;
  const [answer, categories, books] = await Promise.all([
    getWithEtag<Product>(`/products/${id}`, req.signal),
    loadTaxCategories(req.signal).catch(() => [] as TaxCategory[]),
    loadPriceBooks(req.signal).catch(() => [] as PriceBook[]),
  ]);
  const pages = await Promise.all(books.map((b) =>
    get<Page<Price>>(`/price-books/${b.id}/prices`, { product_id: id, limit: 200 }, req.signal)
      .then((p) => p.items.filter((price) => price.product_id === id))
      .catch(() => [] as Price[])));
  return { product: answer.data, etag: answer.etag, categories, books, prices: pages.flat() };
}

function fields(categories: TaxCategory[]): FactField[] {
  return [
    { name: "sku", label: "SKU", hint: "Unique, like WID-100." },
    { name: "name", label: "Name" },
    { name: "family", label: "Family" },
    { name: "unit", label: "Unit", hint: "Unit of measure, like each, h or kg." },
    {
      name: "tax_category", label: "Tax category", type: "select",
      options: categories.map((c) => ({ value: c.code, label: `${c.name} (${c.code})` })),
      show: (p: Product) => categories.find((c) => c.code === p.tax_category)?.name ?? p.tax_category,
    },
    { name: "active", label: "Active", type: "boolean", hint: "An inactive product cannot be put on new lines.", show: (p: Product) => (p.active ? "Yes" : "No") },
    { name: "description", label: "Description", type: "textarea" },
    { name: "created_at", label: "Created", readOnly: true, show: (p: Product) => `${when(p.created_at)}${p.created_by ? ` by ${p.created_by}` : ""}` },
  ];
}

export function ProductPage() {
  const { product: p, etag, categories, books, prices } = useLoaderData() as Data;
  const can = useCan();
  const revalidator = useRevalidator();
  const admin = can("orders:admin");
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{p.name}</h1>
          <p className="muted">
            {p.sku} · <span className={`badge ${p.active ? "won" : "lost"}`}>{p.active ? "Active" : "Inactive"}</span>
            {p.family && <> · {p.family}</>}
          </p>
        </div>
        <div className="actions">
          <Link className="button secondary" to="/products">All products</Link>
        </div>
      </div>
      <div className="grid-2">
        <div>
          <EditableFacts record={p} fields={fields(categories)} path={`/products/${p.id}`} etag={etag}
            canEdit={admin} onSaved={() => revalidator.revalidate()} />
          <section className="panel" aria-labelledby="prices-heading">
            <h2 id="prices-heading">Prices</h2>
            <PriceTable caption={`Prices of ${p.sku}`} prices={prices} books={books}
              empty={<>No price yet: quotes need a unit price typed in{admin ? ", or add a price here" : ""}.</>} />
          </section>
        </div>
        <aside>
          {admin && <PriceForm books={books.filter((b) => b.active)} product={p} onSaved={() => revalidator.revalidate()} />}
        </aside>
      </div>
    </article>
  );
}
