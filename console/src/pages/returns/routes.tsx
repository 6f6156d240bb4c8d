// Returns (RMA): the list and each return's page; a return is started from its order (/orders/:id/returns/new).
import type { RouteObject } from "react-router";
import type { Return } from "./rma";

export const returnsRoutes: RouteObject[] = [
  {
    path: "returns",
    handle: { crumb: "Returns" },
    children: [
      {
        index: true, handle: { title: "Returns" },
        lazy: async () => {
          const m = await import("./ReturnList");
          return { loader: m.returnListLoader, Component: m.ReturnList };
        },
      },
      {
        path: ":returnId",
        handle: {
          crumb: (data: { rma: Return } | undefined) => data?.rma.number ?? "Return",
          title: (data: { rma: Return } | undefined) => (data ? `Return ${data.rma.number}` : "Return"),
        },
        lazy: async () => {
          const m = await import("./ReturnPage");
          return { loader: m.returnLoader, Component: m.ReturnPage };
        },
      },
    ],
  },
];
