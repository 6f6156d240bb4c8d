import type { RouteObject } from "react-router";

export const opportunitiesRoutes: RouteObject[] = [];
