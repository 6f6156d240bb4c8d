import type { RouteObject } from "react-router";
import { Profile, profileLoader } from "./Profile";

export const profileRoutes: RouteObject[] = [
  { path: "profile", loader: profileLoader, element: <Profile />, handle: { crumb: "Profile" } },
];
