// The records a person opened lately (leads, accounts, contacts, opportunities, cases),
// kept in this browser only, for the start page's "Recently opened".
import { useEffect } from "react";
import { useLocation, useMatches } from "react-router";

export interface RecentRecord {
  path: string;
  kind: "leads" | "accounts" | "contacts" | "opportunities" | "cases";
  title: string;
  at: string;
}

const RECORD_PATH = /^\/(leads|accounts|contacts|opportunities|cases)\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEEP = 12;

const storageKey = (username: string) => `crm.recent.${username}`;

export function recentRecords(username: string): RecentRecord[] {
  try {
    const stored = JSON.parse(window.localStorage.getItem(storageKey(username)) ?? "[]");
    return Array.isArray(stored) ? stored.filter((r) => r && typeof r.path === "string" && RECORD_PATH.test(r.path)) : [];
  } catch {
    return [];
  }
}

function remember(username: string, record: RecentRecord) {
  try {
    const list = [record, ...recentRecords(username).filter((r) => r.path !== record.path)].slice(0, KEEP);
    window.localStorage.setItem(storageKey(username), JSON.stringify(list));
  } catch {
    // Storage full or refused (private mode): the list is a convenience only.
  }
}

/** Call once in the frame: a record page that loaded is remembered with its title. */
export function useRememberRecord(username: string, title: string) {
  const location = useLocation();
  const matches = useMatches();
  const loaded = matches.length > 0 && matches[matches.length - 1].data !== undefined;
  useEffect(() => {
    const match = RECORD_PATH.exec(location.pathname);
    if (!match || !loaded) return;
    remember(username, { path: location.pathname, kind: match[1] as RecentRecord["kind"], title, at: new Date().toISOString() });
  }, [username, location.pathname, title, loaded]);
}
