// What a page shows when its data cannot be loaded: the server's reason and a way on.
import { Link, isRouteErrorResponse, useRouteError } from "react-router";
import { describe, Problem } from "../lib/api";
import { useEffect } from "react";
import { APP_NAME } from "../lib/page";

export function ErrorPage() {
  const error = useRouteError();
  let heading = "Something went wrong";
  let message = describe(error);
  if (isRouteErrorResponse(error)) {
    heading = error.status === 404 ? "Page not found" : `Error ${error.status}`;
    message = error.status === 404 ? "There is no page at this address. Check the link, or start from Home." : error.statusText;
  } else if (error instanceof Problem) {
    heading = error.status === 404 ? "Not found" : error.status === 403 ? "Not allowed" : error.title;
  }
  useEffect(() => {
    document.title = `${heading} · ${APP_NAME}`;
  }, [heading]);
  return (
    <section className="error-page">
      <h1>{heading}</h1>
      <p role="alert">{message}</p>
      <p><Link to="/">Go to Home</Link> · <a href={window.location.href}>Try again</a></p>
    </section>
  );
}

export function NotFound() {
  return (
    <section className="error-page">
      <h1>Page not found</h1>
      <p>There is no page at this address. Check the link, or start from <Link to="/">Home</Link>.</p>
    </section>
  );
}
