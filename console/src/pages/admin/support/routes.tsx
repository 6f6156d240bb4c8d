// The support administration (support:admin): SLA policies, calendars,
// teams, routing and escalation rules, and the mail status, under
// /admin/support. Each page's code is downloaded when it is first opened.
import type { RouteObject } from "react-router";
import { SupportAdminGate } from "./Gate";
import type { Calendar, SlaPolicy, Team } from "./support";

type Loaded<T> = T | undefined;

export const supportAdminRoutes: RouteObject[] = [
  {
    // A second "admin" branch beside pages/admin/routes.tsx (which holds /admin itself): its crumb links there.
    path: "admin",
    handle: { crumb: "Admin" },
    children: [
      {
        path: "support",
        handle: { crumb: "Support" },
        element: <SupportAdminGate />,
        children: [
          {
            index: true, handle: { title: "Support administration" },
            lazy: async () => ({ Component: (await import("./SupportAdmin")).SupportAdmin }),
          },
          {
            path: "sla-policies",
            handle: { crumb: "SLA policies" },
            children: [
              {
                index: true, handle: { title: "SLA policies" },
                lazy: async () => {
                  const m = await import("./SlaPolicies");
                  return { loader: m.policiesLoader, Component: m.SlaPolicyList };
                },
              },
              {
                path: "new", handle: { crumb: "New policy" },
                lazy: async () => {
                  const m = await import("./SlaPolicies");
                  return { loader: m.policyLoader, Component: m.SlaPolicyPage };
                },
              },
              {
                path: ":policyId",
                handle: { crumb: (data: Loaded<{ policy: SlaPolicy | null }>) => data?.policy?.name ?? "Policy" },
                lazy: async () => {
                  const m = await import("./SlaPolicies");
                  return { loader: m.policyLoader, Component: m.SlaPolicyPage };
                },
              },
            ],
          },
          {
            path: "calendars",
            handle: { crumb: "Calendars" },
            children: [
              {
                index: true, handle: { title: "Calendars" },
                lazy: async () => {
                  const m = await import("./Calendars");
                  return { loader: m.calendarsLoader, Component: m.CalendarList };
                },
              },
              {
                path: "new", handle: { crumb: "New calendar" },
                lazy: async () => {
                  const m = await import("./Calendars");
                  return { loader: m.calendarLoader, Component: m.CalendarPage };
                },
              },
              {
                path: ":calendarId",
                handle: { crumb: (data: Loaded<{ calendar: Calendar | null }>) => data?.calendar?.name ?? "Calendar" },
                lazy: async () => {
                  const m = await import("./Calendars");
                  return { loader: m.calendarLoader, Component: m.CalendarPage };
                },
              },
            ],
          },
          {
            path: "teams",
            handle: { crumb: "Teams" },
            children: [
              {
                index: true, handle: { title: "Support teams" },
                lazy: async () => {
                  const m = await import("./Teams");
                  return { loader: m.teamsLoader, Component: m.TeamList };
                },
              },
              {
                path: "new", handle: { crumb: "New team" },
                lazy: async () => {
                  const m = await import("./Teams");
                  return { loader: m.teamLoader, Component: m.TeamPage };
                },
              },
              {
                path: ":teamId",
                handle: { crumb: (data: Loaded<{ team: Team | null }>) => data?.team?.name ?? "Team" },
                lazy: async () => {
                  const m = await import("./Teams");
                  return { loader: m.teamLoader, Component: m.TeamPage };
                },
              },
            ],
          },
          {
            path: "routing-rules", handle: { crumb: "Routing rules" },
            lazy: async () => {
              const m = await import("./RoutingRules");
              return { loader: m.routingLoader, Component: m.RoutingRules };
            },
          },
          {
            path: "escalation-rules", handle: { crumb: "Escalation rules" },
            lazy: async () => {
              const m = await import("./EscalationRules");
              return { loader: m.escalationLoader, Component: m.EscalationRules };
            },
          },
          {
            path: "mail", handle: { crumb: "Mail", title: "Support mail" },
            lazy: async () => {
              const m = await import("./MailStatus");
              return { loader: m.mailLoader, Component: m.MailStatus };
            },
          },
        ],
      },
    ],
  },
];
