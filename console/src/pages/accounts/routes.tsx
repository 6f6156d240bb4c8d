import type { RouteObject } from "react-router";
import { AccountList, accountListLoader } from "./AccountList";
import { AccountPage, accountLoader } from "./AccountPage";
import { NewAccount } from "./NewAccount";
import type { Account } from "./account";

export const accountsRoutes: RouteObject[] = [
  {
    path: "accounts",
    handle: { crumb: "Accounts" },
    children: [
      { index: true, loader: accountListLoader, element: <AccountList />, handle: { title: "Accounts" } },
      { path: "new", element: <NewAccount />, handle: { crumb: "New account" } },
      {
        path: ":accountId",
        loader: accountLoader,
        element: <AccountPage />,
        handle: { crumb: (data: { account: Account } | undefined) => data?.account.name ?? "Account" },
      },
    ],
  },
];
