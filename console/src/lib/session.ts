// Who is signed in: the session the gateway keeps in an HttpOnly cookie.
import { createContext, useContext } from "react";
import { get, post, del, Problem } from "./api";

export interface User {
  id: string;
  username: string;
  display_name: string | null;
  role: "admin" | "sales" | "support" | "marketing" | "finance" | "readonly";
  permissions: string[];
}

export interface Session {
  user: User;
  csrf_token: string;
  expires_at: string | null;
}

export async function currentSession(signal?: AbortSignal): Promise<Session | null> {
  try {
    return await get<Session>("/auth/session", undefined, signal);
  } catch (error) {
    if (error instanceof Problem && error.status === 401) return null;
    throw error;
  }
}

export const signIn = (username: string, password: string) =>
  post<Session>("/auth/session", { username, password });

export const signOut = () => del("/auth/session");

export const signOutEverywhere = () => post<void>("/auth/sign-out-everywhere");

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}

/** Whether the signed-in person's role has a permission (gateway/auth.py PERMISSIONS). */
export function useCan(): (permission: string) => boolean {
  const session = useSession();
  return (permission) => session.user.permissions.includes(permission);
}

export function displayName(user: Pick<User, "username" | "display_name">): string {
  return user.display_name || user.username;
}
