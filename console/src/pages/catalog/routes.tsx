// The catalog: products, price books and tax rates. Each page's code is
// downloaded when it is first opened (the route's `lazy`).
import type { RouteObject } from "react-router";
import type { PriceBook, Product } from "./catalog";

export const catalogRoutes: RouteObject[] = [
  {
    path: "products",
    handle: { crumb: "Products" },
    children: [
      {
        index: true, handle: { title: "Products" },
        lazy: async () => {
          const m = await import("./ProductList");
          return { loader: m.productListLoader, Component: m.ProductList };
        },
      },
      {
        path: "new", handle: { crumb: "New product" },
        lazy: async () => {
          const m = await import("./NewProduct");
          return { loader: m.newProductLoader, Component: m.NewProduct };
        },
      },
      {
        path: ":productId",
        handle: { crumb: (data: { product: Product } | undefined) => data?.product.name ?? "Product" },
        lazy: async () => {
          const m = await import("./ProductPage");
          return { loader: m.productLoader, Component: m.ProductPage };
        },
      },
    ],
  },
  {
    path: "price-books",
    handle: { crumb: "Price books" },
    children: [
      {
        index: true, handle: { title: "Price books" },
        lazy: async () => {
          const m = await import("./PriceBookList");
          return { loader: m.priceBookListLoader, Component: m.PriceBookList };
        },
      },
      {
        path: ":priceBookId",
        handle: { crumb: (data: { book: PriceBook } | undefined) => data?.book.name ?? "Price book" },
        lazy: async () => {
          const m = await import("./PriceBookPage");
          return { loader: m.priceBookLoader, Component: m.PriceBookPage };
        },
      },
    ],
  },
  {
    path: "tax-rates",
    handle: { crumb: "Tax rates" },
    lazy: async () => {
      const m = await import("./TaxRates");
      return { loader: m.taxRatesLoader, Component: m.TaxRates };
    },
  },
];
