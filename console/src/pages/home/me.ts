// Who is signed in, for loaders (which run before the page and cannot read
// the session context): asked once per browser session, keyed by its CSRF
// cookie, so signing in as someone else asks again.
import { csrfToken, get } from "../../lib/api";
import type { Session } from "../../lib/session";

let cached: { key: string | undefined; session: Promise<Session> } | undefined;

export function mySession(signal?: AbortSignal): Promise<Session> {
  const key = csrfToken();
  if (!cached || cached.key !== key || key === undefined) {
    const session = get<Session>("/auth/session", undefined, signal);
    cached = { key, session };
    session.catch(() => {
      if (cached?.session === session) cached = undefined;
    });
  }
  return cached.session;
}

export async function myUsername(signal?: AbortSignal): Promise<string> {
  return (await mySession(signal)).user.username;
}
