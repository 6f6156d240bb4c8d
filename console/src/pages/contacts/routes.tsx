import type { RouteObject } from "react-router";

export const contactsRoutes: RouteObject[] = [];
