import type { RouteObject } from "react-router";
import { OpportunityList, opportunityListLoader } from "./OpportunityList";
import { OpportunityPage, opportunityLoader } from "./OpportunityPage";
import { NewOpportunity, newOpportunityLoader } from "./NewOpportunity";
import type { Opportunity } from "./opportunity";

export const opportunitiesRoutes: RouteObject[] = [
  {
    path: "opportunities",
    handle: { crumb: "Opportunities" },
    children: [
      { index: true, loader: opportunityListLoader, element: <OpportunityList />, handle: { title: "Opportunities" } },
      { path: "new", loader: newOpportunityLoader, element: <NewOpportunity />, handle: { crumb: "New opportunity" } },
      {
        path: ":opportunityId",
        loader: opportunityLoader,
        element: <OpportunityPage />,
        handle: { crumb: (data: { opportunity: Opportunity } | undefined) => data?.opportunity.name ?? "Opportunity" },
      },
    ],
  },
];
