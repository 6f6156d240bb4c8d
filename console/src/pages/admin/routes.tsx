// The admin pages (users and tokens: users:admin; scoring and assignment
// rules: leads:admin; pipelines and exchange rates: sales:admin). Each page's
// code is downloaded when it is first opened.
import type { RouteObject } from "react-router";
import { AdminIndex } from "./AdminIndex";
import type { AdminUser } from "./users";

type Loaded<T> = T | undefined;

export const adminRoutes: RouteObject[] = [
  {
    path: "admin",
    handle: { crumb: "Admin" },
    children: [
      { index: true, element: <AdminIndex />, handle: { title: "Admin" } },
      {
        path: "users",
        handle: { crumb: "Users" },
        children: [
          {
            index: true, handle: { title: "Users" },
            lazy: async () => {
              const m = await import("./UserList");
              return { loader: m.userListLoader, Component: m.UserList };
            },
          },
          {
            path: "new", handle: { crumb: "New user" },
            lazy: async () => ({ Component: (await import("./UserList")).NewUser }),
          },
          {
            path: ":userId",
            handle: { crumb: (user: Loaded<AdminUser>) => user?.username ?? "User" },
            lazy: async () => {
              const m = await import("./UserPage");
              return { loader: m.userLoader, Component: m.UserPage };
            },
          },
        ],
      },
      {
        path: "tokens", handle: { crumb: "API tokens" },
        lazy: async () => {
          const m = await import("./AdminTokens");
          return { loader: m.adminTokensLoader, Component: m.AdminTokens };
        },
      },
      {
        path: "audit", handle: { crumb: "Audit trail" },
        lazy: async () => {
          const m = await import("./AuditTrail");
          return { loader: m.auditLoader, Component: m.AuditPage };
        },
      },
      {
        path: "scoring", handle: { crumb: "Scoring rules" },
        lazy: async () => {
          const m = await import("./ScoringRules");
          return { loader: m.scoringLoader, Component: m.ScoringRules };
        },
      },
      {
        path: "assignment", handle: { crumb: "Assignment rules" },
        lazy: async () => {
          const m = await import("./AssignmentRules");
          return { loader: m.assignmentLoader, Component: m.AssignmentRules };
        },
      },
      {
        path: "pipelines",
        handle: { crumb: "Pipelines" },
        children: [
          {
            index: true, handle: { title: "Pipelines" },
            lazy: async () => {
              const m = await import("./Pipelines");
              return { loader: m.pipelinesLoader, Component: m.PipelineList };
            },
          },
          {
            path: "new", handle: { crumb: "New pipeline" },
            lazy: async () => ({ Component: (await import("./Pipelines")).PipelinePage }),
          },
          {
            path: ":pipelineId",
            handle: { crumb: (data: Loaded<{ pipeline: { name: string } | null }>) => data?.pipeline?.name ?? "Pipeline" },
            lazy: async () => {
              const m = await import("./Pipelines");
              return { loader: m.pipelineLoader, Component: m.PipelinePage };
            },
          },
        ],
      },
      {
        path: "exchange-rates", handle: { crumb: "Exchange rates" },
        lazy: async () => {
          const m = await import("./ExchangeRates");
          return { loader: m.ratesLoader, Component: m.ExchangeRates };
        },
      },
    ],
  },
];
