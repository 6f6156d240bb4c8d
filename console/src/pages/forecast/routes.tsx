import type { RouteObject } from "react-router";

export const forecastRoutes: RouteObject[] = [];
