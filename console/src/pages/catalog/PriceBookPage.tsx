// /price-books/:id: a book's facts (edited in place by admins) and its prices
// with validity and tiers (filtered by currency, paged); "Add price" for admins.
import { Form, Link, useLoaderData, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag, Problem } from "../../lib/api";
import { useCan } from "../../lib/session";
import { Pager } from "../../components/DataTable";
import { EditableFacts, type FactField } from "../../components/EditableFacts";
import { TextField } from "../../components/forms";
import { listQuery } from "../../components/lists";
import type { Page } from "../../components/records";
import { PriceForm } from "./PriceForm";
import { PriceTable } from "./PriceTable";
import type { Price, PriceBook } from "./catalog";

interface Data {
  book: PriceBook;
  etag?: string;
  prices: Page<Price>;
  /** The filters' problems (a currency that is none), shown next to them. */
  filterErrors: Record<string, string>;
}

const KEYS = ["q", "currency", "product_id", "on_date", "cursor", "limit", "sort"];

export async function priceBookLoader({ params, request: req }: LoaderFunctionArgs): Promise<Data> {
  const id = params.priceBookId!;
  const query = listQuery(new URL(req.url).searchParams, KEYS);
  const filterErrors: Record<string, string> = {};
  const [answer, prices] = await Promise.all([
    getWithEtag<PriceBook>(`/price-books/${id}`, req.signal),
    get<Page<Price>>(`/price-books/${id}/prices`, query, req.signal).catch((e) => {
      if (!(e instanceof Problem) || e.status !== 422) throw e;
      for (const [key, messages] of Object.entries(e.errors)) filterErrors[key] = messages.join(" ");
      return { items: [], next_cursor: null } as Page<Price>;
    }),
  ]);
  return { book: answer.data, etag: answer.etag, prices, filterErrors };
}

const FIELDS: FactField[] = [
  { name: "name", label: "Name" },
  { name: "description", label: "Description", type: "textarea" },
  { name: "active", label: "Active", type: "boolean", show: (b: PriceBook) => (b.active ? "Yes" : "No") },
  {
    name: "prices_include_tax", label: "Prices include tax", type: "boolean",
    hint: "Tax included: a line's gross is its price; before tax: tax is added.",
    show: (b: PriceBook) => (b.prices_include_tax ? "Yes (tax included)" : "No (before tax)"),
  },
  { name: "is_standard", label: "Standard book", readOnly: true, show: (b: PriceBook) => (b.is_standard ? "Yes: other books fall back to it" : "No") },
];

export function PriceBookPage() {
  const { book, etag, prices, filterErrors } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const can = useCan();
  const revalidator = useRevalidator();
  const admin = can("orders:admin");
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{book.name}</h1>
          <p className="muted">
            {book.is_standard && <><span className="badge open">Standard</span> · </>}
            {book.prices_include_tax ? "Tax included" : "Before tax"} · {book.active ? "Active" : "Inactive"}
          </p>
        </div>
        <div className="actions"><Link className="button secondary" to="/price-books">All price books</Link></div>
      </div>
      <div className="grid-2">
        <div>
          <section className="panel" aria-labelledby="book-prices-heading">
            <h2 id="book-prices-heading">Prices</h2>
            <Form method="get" className="toolbar" role="search" aria-label="Filter prices">
              <TextField label="Currency" name="currency" maxLength={3} error={filterErrors.currency} defaultValue={params.get("currency") ?? ""} key={`c${params.get("currency")}`} />
              <TextField label="In force on" name="on_date" type="date" error={filterErrors.on_date} defaultValue={params.get("on_date") ?? ""} key={`d${params.get("on_date")}`} />
              <button type="submit">Filter</button>
              <Link to="?" className="button secondary">Clear</Link>
            </Form>
            <PriceTable caption={`Prices in ${book.name}`} prices={prices.items} showProduct
              empty={admin ? "No prices here yet: add one with the form." : "No prices here yet."} />
            <Pager nextCursor={prices.next_cursor} />
          </section>
          <EditableFacts record={book} fields={FIELDS} path={`/price-books/${book.id}`} etag={etag} canEdit={admin}
            onSaved={() => revalidator.revalidate()} />
        </div>
        <aside>{admin && <PriceForm book={book} onSaved={() => revalidator.revalidate()} />}</aside>
      </div>
    </article>
  );
}
