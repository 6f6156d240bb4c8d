// Every page of the console and its URL (under /console/). Each area adds its
// routes from its own module; a page's `handle` gives its title and crumb.
import { createBrowserRouter, Outlet, redirect, useLoaderData, type LoaderFunctionArgs, type RouteObject } from "react-router";
import { Shell } from "./components/Shell";
import { ErrorPage, NotFound } from "./components/ErrorPage";
import { SignIn } from "./pages/SignIn";
import { currentSession, SessionContext, type Session } from "./lib/session";
import { whenSessionEnds } from "./lib/api";
import { homeRoutes } from "./pages/home/routes";
import { searchRoutes } from "./pages/search/routes";
import { leadsRoutes } from "./pages/leads/routes";
import { accountsRoutes } from "./pages/accounts/routes";
import { contactsRoutes } from "./pages/contacts/routes";
import { opportunitiesRoutes } from "./pages/opportunities/routes";
import { pipelineRoutes } from "./pages/pipeline/routes";
import { forecastRoutes } from "./pages/forecast/routes";
import { tasksRoutes } from "./pages/tasks/routes";
import { adminRoutes } from "./pages/admin/routes";
import { profileRoutes } from "./pages/profile/routes";
import { catalogRoutes } from "./pages/catalog/routes";
import { quotesRoutes } from "./pages/quotes/routes";
import { ordersRoutes } from "./pages/orders/routes";
import { invoicesRoutes } from "./pages/invoices/routes";
import { returnsRoutes } from "./pages/returns/routes";
import { casesRoutes } from "./pages/cases/routes";
import { supportRoutes } from "./pages/support/routes";
import { kbRoutes } from "./pages/kb/routes";
import { supportAdminRoutes } from "./pages/admin/support/routes";
import { campaignsRoutes } from "./pages/campaigns/routes";

export const BASENAME = "/console";

function signInUrl(url: URL): string {
  const path = url.pathname.startsWith(BASENAME) ? url.pathname.slice(BASENAME.length) || "/" : url.pathname;
  const next = path + url.search;
  return next === "/" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`;
}

async function sessionLoader({ request }: LoaderFunctionArgs) {
  const session = await currentSession(request.signal);
  if (!session) throw redirect(signInUrl(new URL(request.url)));
  return session;
}

function SignedIn() {
  const session = useLoaderData() as Session;
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

export const routes: RouteObject[] = [
  { path: "/sign-in", element: <SignIn /> },
  {
    id: "root",
    path: "/",
    loader: sessionLoader,
    // The session is read when the console opens and when a page is reloaded in place (revalidate(),
    // e.g. after renaming oneself), not on every navigation; every API call still checks it (401 -> sign in).
    shouldRevalidate: ({ currentUrl, nextUrl }) => currentUrl.href === nextUrl.href,
    element: <SignedIn />,
    errorElement: <ErrorPage />,
    hydrateFallbackElement: <p className="loading" role="status">Loading…</p>,
    handle: { crumb: "Home" },
    children: [
      {
        errorElement: <ErrorPage />,
        children: [
          ...homeRoutes,
          ...searchRoutes,
          ...leadsRoutes,
          ...accountsRoutes,
          ...contactsRoutes,
          ...opportunitiesRoutes,
          ...pipelineRoutes,
          ...forecastRoutes,
          ...tasksRoutes,
          ...adminRoutes,
          ...profileRoutes,
          ...catalogRoutes,
          ...quotesRoutes,
          ...ordersRoutes,
          ...invoicesRoutes,
          ...returnsRoutes,
          ...casesRoutes,
          ...supportRoutes,
          ...kbRoutes,
          ...supportAdminRoutes,
          ...campaignsRoutes,
          { path: "*", element: <NotFound />, handle: { crumb: "Not found" } },
        ],
      },
    ],
  },
];

export const router = createBrowserRouter(routes, { basename: BASENAME });

// Any API call answered 401 (the session ended or was signed out everywhere): back to sign-in, then here.
// The page to come back to is the one being opened when the 401 came (a click on a record link), else this one.
whenSessionEnds(() => {
  const url = new URL(window.location.href);
  if (url.pathname.startsWith(`${BASENAME}/sign-in`)) return;
  const pending = router.state.navigation.location;
  const path = pending && (pending.pathname.startsWith(`${BASENAME}/`) ? pending.pathname : `${BASENAME}${pending.pathname}`);
  const target = pending ? new URL(`${path}${pending.search}`, url.origin) : url;
  router.navigate(signInUrl(target), { replace: true });
});

export { Outlet };
