// Cases: the agent's queue, a new case and each case's page.
// Each page's code is downloaded when it is first opened (the route's `lazy`).
import type { RouteObject } from "react-router";
import type { CaseData } from "./CasePage";

export const casesRoutes: RouteObject[] = [
  {
    path: "cases",
    handle: { crumb: "Cases" },
    children: [
      {
        index: true, handle: { title: "Cases" },
        lazy: async () => {
          const m = await import("./CaseList");
          return { loader: m.caseListLoader, Component: m.CaseList };
        },
      },
      {
        path: "new", handle: { crumb: "New case" },
        lazy: async () => ({ Component: (await import("./NewCase")).NewCase }),
      },
      {
        path: ":caseId",
        handle: {
          crumb: (data: CaseData | undefined) => data?.case.number ?? "Case",
          title: (data: CaseData | undefined) => (data ? `${data.case.number} ${data.case.subject}` : "Case"),
        },
        lazy: async () => {
          const m = await import("./CasePage");
          return { loader: m.caseLoader, Component: m.CasePage };
        },
      },
    ],
  },
];
