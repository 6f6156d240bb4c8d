import type { RouteObject } from "react-router";
import { BoardPage, boardLoader, boardTitle } from "./Board";

type Loaded = { board: { pipeline: { name: string } } | null } | undefined;

export const pipelineRoutes: RouteObject[] = [
  {
    path: "pipeline",
    handle: { crumb: "Pipeline" },
    children: [
      { index: true, loader: boardLoader, element: <BoardPage />, handle: { title: (data: Loaded) => (data?.board ? boardTitle(data.board.pipeline) : "Pipeline") } },
      {
        path: ":pipelineId",
        loader: boardLoader,
        element: <BoardPage />,
        handle: { crumb: (data: Loaded) => data?.board?.pipeline.name ?? "Pipeline" },
      },
    ],
  },
];
