// Products, price books, prices, tax categories and tax rates as the API
// returns them (shared/schemas/orders/catalog.py). Amounts, quantities and
// rates are decimal strings, shown as they are and never computed with here.
import { get } from "../../lib/api";
import type { Page } from "../../components/records";

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  family: string | null;
  unit: string;
  active: boolean;
  tax_category: string;
  version: number;
  created_by?: string | null;
  created_at: string;
  updated_at: string;
}

export interface PriceBook {
  id: string;
  name: string;
  description: string | null;
  active: boolean;
  is_standard: boolean;
  prices_include_tax: boolean;
  version: number;
  created_by?: string | null;
  created_at: string;
  updated_at: string;
}

export interface Tier {
  min_quantity: string;
  unit_price: string;
}

export interface Price {
  id: string;
  price_book_id: string;
  product_id: string;
  sku?: string | null;
  product_name?: string | null;
  currency: string;
  unit_price: string;
  tiers: Tier[];
  valid_from: string;
  valid_to: string | null;
  created_by?: string | null;
  created_at?: string;
}

export interface TaxCategory {
  code: string;
  name: string;
}

export interface TaxRate {
  id: string;
  tax_category: string;
  country: string;
  rate: string;
  valid_from: string;
  valid_to: string | null;
  version: number;
  created_by?: string | null;
}

export const loadTaxCategories = (signal?: AbortSignal) =>
  get<{ items: TaxCategory[] } | TaxCategory[]>("/tax-categories", undefined, signal)
    .then((answer) => (Array.isArray(answer) ? answer : answer.items));

/** Every price book (there are few), active ones first, the standard book first of all. */
export async function loadPriceBooks(signal?: AbortSignal, activeOnly = false): Promise<PriceBook[]> {
  const books: PriceBook[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<PriceBook> = await get<Page<PriceBook>>("/price-books",
      { limit: 200, cursor: cursor ?? undefined, active: activeOnly ? true : undefined }, signal);
    books.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && books.length < 2000);
  return books.sort((a, b) => Number(b.is_standard) - Number(a.is_standard) || Number(b.active) - Number(a.active)
    || a.name.localeCompare(b.name));
}

/** "Standard (prices include tax)" */
export function bookLabel(book: PriceBook): string {
  const notes = [book.is_standard && book.name.toLowerCase() !== "standard" ? "standard" : null, book.prices_include_tax ? "prices include tax" : null,
    book.active ? null : "inactive"].filter(Boolean);
  return notes.length ? `${book.name} (${notes.join(", ")})` : book.name;
}

export function productLabel(p: Pick<Product, "sku" | "name">): string {
  return `${p.sku} · ${p.name}`;
}

/** Today as the API's date (the browser's calendar day). */
export function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Whether a period (inclusive end, null: open) covers today. */
export function inForce(period: { valid_from: string; valid_to: string | null }, on = today()): boolean {
  return period.valid_from <= on && (period.valid_to === null || period.valid_to >= on);
}
