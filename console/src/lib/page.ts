// What every route declares in its `handle`: the page title and its crumb in
// the breadcrumb trail (a string, or made from the route's loader data).
import type { UIMatch } from "react-router";

export type Made = string | ((data: any, match: UIMatch) => string);

export interface PageHandle {
  /** The tab title (" · CRM" is added); defaults to the crumb. */
  title?: Made;
  /** The label in the breadcrumb trail; a route without one adds no crumb. */
  crumb?: Made;
}

export function made(value: Made | undefined, match: UIMatch): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "function" ? value(match.data, match) : value;
}

export const APP_NAME = "CRM";
