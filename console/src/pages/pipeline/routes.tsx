import type { RouteObject } from "react-router";

export const pipelineRoutes: RouteObject[] = [];
