import type { RouteObject } from "react-router";
import { LeadList, leadListLoader } from "./LeadList";
import { LeadPage, leadLoader } from "./LeadPage";
import { NewLead } from "./NewLead";
import { ImportLeads } from "./ImportLeads";
import { leadName, type Lead } from "./lead";

export const leadsRoutes: RouteObject[] = [
  {
    path: "leads",
    handle: { crumb: "Leads" },
    children: [
      { index: true, loader: leadListLoader, element: <LeadList />, handle: { title: "Leads" } },
      { path: "new", element: <NewLead />, handle: { crumb: "New lead" } },
      { path: "import", element: <ImportLeads />, handle: { crumb: "Import" } },
      {
        path: ":leadId",
        loader: leadLoader,
        element: <LeadPage />,
        handle: { crumb: (data: { lead: Lead } | undefined) => (data ? leadName(data.lead) : "Lead") },
      },
    ],
  },
];
