// Prices with their validity and tiers, as a table (a product's prices across
// books, or a book's prices across products).
import { Link } from "react-router";
import { day } from "../../lib/format";
import { amount, decimal } from "../orders/money";
import { inForce, today, type Price, type PriceBook } from "./catalog";

function period(price: Price) {
  const now = today();
  if (inForce(price, now)) return <span className="badge won">In force</span>;
  if (price.valid_from > now) return <span className="badge new">Upcoming</span>;
  return <span className="badge lost">Ended</span>;
}

export function Tiers({ price }: { price: Price }) {
  if (!price.tiers?.length) return <>—</>;
  return (
    <ul className="plain tiers">
      {price.tiers.map((t) => <li key={t.min_quantity}>from {decimal(t.min_quantity)}: {amount(t.unit_price, price.currency)}</li>)}
    </ul>
  );
}

interface Props {
  caption: string;
  prices: Price[];
  /** Show the book column (a product's prices) with these books' names. */
  books?: PriceBook[];
  /** Show the product column (a book's prices). */
  showProduct?: boolean;
  empty: React.ReactNode;
}

export function PriceTable({ caption, prices, books, showProduct, empty }: Props) {
  const bookName = (id: string) => books?.find((b) => b.id === id)?.name ?? "Price book";
  return (
    <div className="table-wrap">
      <table className="list">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {books && <th scope="col">Price book</th>}
            {showProduct && <th scope="col">Product</th>}
            <th scope="col">Currency</th>
            <th scope="col" className="num">Unit price</th>
            <th scope="col">Volume tiers</th>
            <th scope="col">Valid</th>
          </tr>
        </thead>
        <tbody>
          {prices.map((p) => (
            <tr key={p.id}>
              {books && <td data-label="Price book"><Link to={`/price-books/${p.price_book_id}`}>{bookName(p.price_book_id)}</Link></td>}
              {showProduct && (
                <td data-label="Product">
                  <Link to={`/products/${p.product_id}`}>{p.sku ? `${p.sku}${p.product_name ? ` · ${p.product_name}` : ""}` : "Product"}</Link>
                </td>
              )}
              <td data-label="Currency">{p.currency}</td>
              <td data-label="Unit price" className="num">{amount(p.unit_price, p.currency)}</td>
              <td data-label="Volume tiers"><Tiers price={p} /></td>
              <td data-label="Valid">{day(p.valid_from)} – {p.valid_to ? day(p.valid_to) : "open"} {period(p)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {prices.length === 0 && <p className="empty">{empty}</p>}
    </div>
  );
}
