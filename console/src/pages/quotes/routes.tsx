// Quotes: the list, the builder (new and edit of a draft) and each quote's
// page. Each page's code is downloaded when it is first opened.
import type { RouteObject } from "react-router";
import { quoteName } from "./quote";
import type { QuoteData } from "./QuotePage";

export const quotesRoutes: RouteObject[] = [
  {
    path: "quotes",
    handle: { crumb: "Quotes" },
    children: [
      {
        index: true, handle: { title: "Quotes" },
        lazy: async () => {
          const m = await import("./QuoteList");
          return { loader: m.quoteListLoader, Component: m.QuoteList };
        },
      },
      {
        path: "new", handle: { crumb: "New quote" },
        lazy: async () => {
          const m = await import("./QuoteBuilder");
          return { loader: m.newQuoteLoader, Component: m.QuoteBuilder };
        },
      },
      {
        id: "quote",
        path: ":quoteId",
        // Back from the builder the quote is read again (its lines and totals changed there).
        shouldRevalidate: ({ currentUrl, defaultShouldRevalidate }) => currentUrl.pathname.endsWith("/edit") || defaultShouldRevalidate,
        handle: {
          crumb: (data: QuoteData | undefined) => (data ? quoteName(data.quote) : "Quote"),
          title: (data: QuoteData | undefined) => (data ? `Quote ${quoteName(data.quote)}` : "Quote"),
        },
        lazy: async () => {
          const m = await import("./QuotePage");
          return { loader: m.quoteLoader };
        },
        children: [
          {
            index: true,
            lazy: async () => ({ Component: (await import("./QuotePage")).QuotePage }),
          },
          {
            path: "edit",
            handle: { crumb: "Edit", title: "Edit quote" },
            lazy: async () => {
              const m = await import("./QuoteBuilder");
              return { loader: m.editQuoteLoader, Component: m.QuoteBuilder };
            },
          },
        ],
      },
    ],
  },
];
