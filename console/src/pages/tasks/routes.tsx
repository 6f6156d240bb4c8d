import type { RouteObject } from "react-router";
import { TaskList, taskListLoader } from "./TaskList";
import { NewTask, newTaskLoader } from "./NewTask";

export const tasksRoutes: RouteObject[] = [
  {
    path: "tasks",
    handle: { crumb: "Tasks" },
    children: [
      { index: true, loader: taskListLoader, element: <TaskList />, handle: { title: "Tasks" } },
      { path: "new", loader: newTaskLoader, element: <NewTask />, handle: { crumb: "New task" } },
    ],
  },
];
