import type { RouteObject } from "react-router";
import { parsePeriod, periodLabel } from "./period";

function title(data: { period?: string } | undefined): string {
  const period = parsePeriod(data?.period);
  return period ? `Forecast, ${periodLabel(period)}` : "Forecast";
}

// The page module (with chart.js) is downloaded when the forecast is first opened.
export const forecastRoutes: RouteObject[] = [
  {
    path: "forecast",
    handle: { crumb: "Forecast", title },
    lazy: async () => {
      const page = await import("./ForecastPage");
      return { loader: page.forecastLoader, Component: page.ForecastPage };
    },
  },
];
