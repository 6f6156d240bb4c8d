import type { RouteObject } from "react-router";
import { SearchPage, searchLoader } from "./SearchPage";

export const searchRoutes: RouteObject[] = [
  {
    path: "search",
    loader: searchLoader,
    element: <SearchPage />,
    handle: {
      crumb: "Search",
      title: (data: { answer?: { q: string } | null } | undefined) => (data?.answer ? `“${data.answer.q}” · Search` : "Search"),
    },
  },
];
