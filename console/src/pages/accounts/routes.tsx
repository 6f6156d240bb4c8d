// Each page's code is downloaded when it is first opened (the route's `lazy`).
import type { RouteObject } from "react-router";
import type { Account } from "./account";

export const accountsRoutes: RouteObject[] = [
  {
    path: "accounts",
    handle: { crumb: "Accounts" },
    children: [
      {
        index: true, handle: { title: "Accounts" },
        lazy: async () => {
          const m = await import("./AccountList");
          return { loader: m.accountListLoader, Component: m.AccountList };
        },
      },
      { path: "new", handle: { crumb: "New account" }, lazy: async () => ({ Component: (await import("./NewAccount")).NewAccount }) },
      {
        path: ":accountId",
        handle: { crumb: (data: { account: Account } | undefined) => data?.account.name ?? "Account" },
        lazy: async () => {
          const m = await import("./AccountPage");
          return { loader: m.accountLoader, Component: m.AccountPage };
        },
      },
    ],
  },
];
