// Each page's code is downloaded when it is first opened (the route's `lazy`).
import type { RouteObject } from "react-router";

export const tasksRoutes: RouteObject[] = [
  {
    path: "tasks",
    handle: { crumb: "Tasks" },
    children: [
      {
        index: true, handle: { title: "Tasks" },
        lazy: async () => {
          const m = await import("./TaskList");
          return { loader: m.taskListLoader, Component: m.TaskList };
        },
      },
      {
        path: "new", handle: { crumb: "New task" },
        lazy: async () => {
          const m = await import("./NewTask");
          return { loader: m.newTaskLoader, Component: m.NewTask };
        },
      },
    ],
  },
];
