// The support team's view: today's breaches, the backlog by age, CSAT and
// the figures per agent and team (GET /support/figures), with a chart.
// Loaded on its own (the route's `lazy`), so chart.js is not in the first download.
import type { RouteObject } from "react-router";

export const supportRoutes: RouteObject[] = [
  {
    path: "support", handle: { crumb: "Support" },
    children: [
      {
        index: true, handle: { title: "Support figures" },
        lazy: async () => {
          const m = await import("./SupportDashboard");
          return { loader: m.supportLoader, Component: m.SupportDashboard };
        },
      },
    ],
  },
];
