// /products: the catalog. Filters (search on SKU and name, family, active),
// sort and page live in the URL; admins add products.
import { useMemo } from "react";
import { Form, Link, useLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { get } from "../../lib/api";
import { when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { DataTable, Pager } from "../../components/DataTable";
import { SelectField, TextField } from "../../components/forms";
import { FilterLinks, listQuery } from "../../components/lists";
import type { Page } from "../../components/records";
import type { Product } from "./catalog";

const FILTERS = ["q", "family", "active", "tax_category"];
const LIST_KEYS = [...FILTERS, "sort", "cursor", "limit"];

export async function productListLoader({ request: req }: LoaderFunctionArgs): Promise<Page<Product>> {
  const params = new URL(req.url).searchParams;
  return get<Page<Product>>("/products", listQuery(params, LIST_KEYS), req.signal);
}

export function ProductList() {
  const page = useLoaderData() as Page<Product>;
  const [params] = useSearchParams();
  const can = useCan();

  const columns = useMemo<ColumnDef<Product, any>[]>(() => [
    { id: "sku", header: "SKU", meta: { sortKey: "sku" }, cell: ({ row }) => <Link to={`/products/${row.original.id}`}>{row.original.sku}</Link> },
    { id: "name", header: "Name", meta: { sortKey: "name" }, cell: ({ row }) => row.original.name },
    { id: "family", header: "Family", cell: ({ row }) => row.original.family ?? "—" },
    { id: "unit", header: "Unit", cell: ({ row }) => row.original.unit },
    { id: "tax", header: "Tax category", cell: ({ row }) => row.original.tax_category },
    {
      id: "active", header: "Status",
      cell: ({ row }) => <span className={`badge ${row.original.active ? "won" : "lost"}`}>{row.original.active ? "Active" : "Inactive"}</span>,
    },
    { id: "updated_at", header: "Changed", meta: { sortKey: "updated_at" }, cell: ({ row }) => when(row.original.updated_at) },
  ], []);

  return (
    <section>
      <div className="page-head">
        <h1>Products</h1>
        <div className="actions">
          {can("orders:admin") && <Link className="button" to="/products/new">New product</Link>}
          <Link className="button secondary" to="/price-books">Price books</Link>
          <Link className="button secondary" to="/tax-rates">Tax rates</Link>
        </div>
      </div>

      <FilterLinks label="Products by status" param="active" all="All"
        options={[{ value: "true", label: "Active" }, { value: "false", label: "Inactive" }]} />

      <Form method="get" className="toolbar" role="search" aria-label="Filter products">
        {params.get("active") && <input type="hidden" name="active" value={params.get("active")!} />}
        <TextField label="SKU or name" name="q" type="search" defaultValue={params.get("q") ?? ""} key={`q${params.get("q")}`} />
        <TextField label="Family" name="family" defaultValue={params.get("family") ?? ""} key={`f${params.get("family")}`} />
        <SelectField label="Sort by" name="sort" defaultValue={params.get("sort") ?? ""} key={`s${params.get("sort")}`}
          placeholder="SKU" options={[
            { value: "-sku", label: "SKU, Z to A" }, { value: "name", label: "Name" }, { value: "-name", label: "Name, Z to A" },
            { value: "-updated_at", label: "Recently changed" }, { value: "-created_at", label: "Newest" },
          ]} />
        <button type="submit">Filter</button>
        <Link to="?" className="button secondary">Clear</Link>
      </Form>

      <DataTable caption="Products" columns={columns} data={page.items} rowId={(p) => p.id}
        empty={<>No product matches these filters. <Link to="?">Clear the filters</Link>.</>} />
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
