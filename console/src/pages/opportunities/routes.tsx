// Each page's code is downloaded when it is first opened (the route's `lazy`).
import type { RouteObject } from "react-router";
import type { Opportunity } from "./opportunity";

export const opportunitiesRoutes: RouteObject[] = [
  {
    path: "opportunities",
    handle: { crumb: "Opportunities" },
    children: [
      {
        index: true, handle: { title: "Opportunities" },
        lazy: async () => {
          const m = await import("./OpportunityList");
          return { loader: m.opportunityListLoader, Component: m.OpportunityList };
        },
      },
      {
        path: "new", handle: { crumb: "New opportunity" },
        lazy: async () => {
          const m = await import("./NewOpportunity");
          return { loader: m.newOpportunityLoader, Component: m.NewOpportunity };
        },
      },
      {
        path: ":opportunityId",
        handle: { crumb: (data: { opportunity: Opportunity } | undefined) => data?.opportunity.name ?? "Opportunity" },
        lazy: async () => {
          const m = await import("./OpportunityPage");
          return { loader: m.opportunityLoader, Component: m.OpportunityPage };
        },
      },
    ],
  },
];
