// Each page's code is downloaded when it is first opened (the route's `lazy`).
import type { RouteObject } from "react-router";
import { leadName, type Lead } from "./lead";

export const leadsRoutes: RouteObject[] = [
  {
    path: "leads",
    handle: { crumb: "Leads" },
    children: [
      {
        index: true, handle: { title: "Leads" },
        lazy: async () => {
          const m = await import("./LeadList");
          return { loader: m.leadListLoader, Component: m.LeadList };
        },
      },
      { path: "new", handle: { crumb: "New lead" }, lazy: async () => ({ Component: (await import("./NewLead")).NewLead }) },
      { path: "import", handle: { crumb: "Import" }, lazy: async () => ({ Component: (await import("./ImportLeads")).ImportLeads }) },
      {
        path: ":leadId",
        handle: { crumb: (data: { lead: Lead } | undefined) => (data ? leadName(data.lead) : "Lead") },
        lazy: async () => {
          const m = await import("./LeadPage");
          return { loader: m.leadLoader, Component: m.LeadPage };
        },
      },
    ],
  },
];
