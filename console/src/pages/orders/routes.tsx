// Orders: the list, a direct order, each order's page, the edit of a draft and "New return" of it.
// Each page's code is downloaded when it is first opened (the route's `lazy`).
import type { RouteObject } from "react-router";
import type { OrderData } from "./OrderPage";

export const ordersRoutes: RouteObject[] = [
  {
    path: "orders",
    handle: { crumb: "Orders" },
    children: [
      {
        index: true, handle: { title: "Orders" },
        lazy: async () => {
          const m = await import("./OrderList");
          return { loader: m.orderListLoader, Component: m.OrderList };
        },
      },
      {
        path: "new", handle: { crumb: "New order" },
        lazy: async () => {
          const m = await import("./NewOrder");
          return { loader: m.newOrderLoader, Component: m.NewOrder };
        },
      },
      {
        id: "order",
        path: ":orderId",
        // Back from the edit of a draft the order is read again (its lines, addresses and totals changed there).
        shouldRevalidate: ({ currentUrl, defaultShouldRevalidate }) => currentUrl.pathname.endsWith("/edit") || defaultShouldRevalidate,
        handle: {
          crumb: (data: OrderData | undefined) => data?.order.number ?? "Order",
          title: (data: OrderData | undefined) => (data ? `Order ${data.order.number}` : "Order"),
        },
        lazy: async () => ({ loader: (await import("./OrderPage")).orderLoader }),
        children: [
          {
            index: true,
            lazy: async () => {
              const m = await import("./OrderPage");
              return { loader: m.orderRelatedLoader, Component: m.OrderPage };
            },
          },
          {
            path: "edit", handle: { crumb: "Edit", title: "Edit order" },
            lazy: async () => ({ Component: (await import("./EditOrder")).EditOrder }),
          },
          {
            path: "returns/new", handle: { crumb: "New return" },
            lazy: async () => ({ Component: (await import("../returns/NewReturn")).NewReturn }),
          },
        ],
      },
    ],
  },
];
