// What the order, invoice, credit note and return pages show the same way:
// a status badge, the lines (with extra columns per document), the totals
// with their tax lines.
import type { ReactNode } from "react";
import { label } from "../../lib/format";
import { amount, decimal, isZero } from "./money";
import type { DocumentLine, Totals } from "./order";

export function StatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return null;
  return <span className={`badge st-${status}`}>{label(status)}</span>;
}

export interface ExtraColumn<L> {
  header: string;
  cell: (line: L) => ReactNode;
  numeric?: boolean;
}

function discount(line: DocumentLine, currency: string): string {
  if (line.discount_percent) return `${decimal(line.discount_percent)} %`;
  if (line.discount_amount) return amount(line.discount_amount, currency);
  return "—";
}

/** A document's lines: product, quantity, price, discount, tax rate and amounts, plus the document's own columns. */
export function LinesTable<L extends DocumentLine>({ lines, currency, caption, extra = [], pricesIncludeTax }: {
  lines: L[];
  currency: string;
  caption: string;
  extra?: ExtraColumn<L>[];
  pricesIncludeTax?: boolean;
}) {
  if (lines.length === 0) return <p className="muted">No lines.</p>;
  return (
    // Focusable, so the wide table can be scrolled sideways with the keyboard.
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className="list doc-lines">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Item</th>
            <th scope="col" className="num">Quantity</th>
            <th scope="col" className="num">{pricesIncludeTax ? "Unit price (incl. tax)" : "Unit price"}</th>
            <th scope="col" className="num">Discount</th>
            <th scope="col" className="num">Tax</th>
            <th scope="col" className="num">Net</th>
            <th scope="col" className="num">Gross</th>
            {extra.map((c) => <th key={c.header} scope="col" className={c.numeric ? "num" : undefined}>{c.header}</th>)}
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr key={line.id}>
              <td data-label="#">{line.position}</td>
              <td data-label="Item">
                <strong>{line.name}</strong>
                {line.sku && <span className="muted"> · {line.sku}</span>}
                {line.description && <div className="muted">{line.description}</div>}
              </td>
              <td data-label="Quantity" className="num">{decimal(line.quantity)}{line.unit ? ` ${line.unit}` : ""}</td>
              <td data-label="Unit price" className="num">
                {amount(line.unit_price, currency)}{line.price_overridden && <span className="muted"> (set by hand)</span>}
              </td>
              <td data-label="Discount" className="num">{discount(line, currency)}</td>
              <td data-label="Tax" className="num">{decimal(line.tax_rate)} %</td>
              <td data-label="Net" className="num">{amount(line.net_amount, currency)}</td>
              <td data-label="Gross" className="num">{amount(line.gross_amount, currency)}</td>
              {extra.map((c) => <td key={c.header} data-label={c.header} className={c.numeric ? "num" : undefined}>{c.cell(line)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Net, discounts, tax per rate, tax and gross, as the server summed the rounded lines; then any rows the document adds. */
export function TotalsTable({ totals, currency, caption = "Totals", after = [] }: {
  totals: Totals;
  currency: string;
  caption?: string;
  after?: { label: string; value: ReactNode; strong?: boolean }[];
}) {
  return (
    <table className="list totals">
      <caption className="visually-hidden">{caption}</caption>
      <tbody>
        {!isZero(totals.discount_total) && (
          <tr><th scope="row">Discounts</th><td className="num">{amount(totals.discount_total, currency)}</td></tr>
        )}
        <tr><th scope="row">Net</th><td className="num">{amount(totals.net_total, currency)}</td></tr>
        {totals.tax_lines.map((t) => (
          <tr key={t.rate}>
            <th scope="row">Tax {decimal(t.rate)} % on {amount(t.net, currency)}</th>
            <td className="num">{amount(t.tax, currency)}</td>
          </tr>
        ))}
        <tr><th scope="row">Tax</th><td className="num">{amount(totals.tax_total, currency)}</td></tr>
        <tr className="grand"><th scope="row">Total</th><td className="num"><strong>{amount(totals.gross_total, currency)}</strong></td></tr>
        {after.map((row) => (
          <tr key={row.label} className={row.strong ? "grand" : undefined}>
            <th scope="row">{row.label}</th>
            <td className="num">{row.strong ? <strong>{row.value}</strong> : row.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A definition list of facts (label -> value), like the record pages' details. */
export function Facts({ items, title }: { items: [string, ReactNode][]; title?: string }) {
  return (
    <dl className="facts" aria-label={title}>
      {items.map(([name, value]) => (
        <div key={name} className="fact">
          <dt>{name}</dt>
          <dd>{value === null || value === undefined || value === "" ? "—" : value}</dd>
        </div>
      ))}
    </dl>
  );
}
