// An account as the API returns it (shared/schemas/sales/accounts.py AccountSchema),
// and the names of accounts other lists link to.
import { useEffect, useState } from "react";
import { get } from "../../lib/api";

export interface Address {
  kind: string;
  street?: string | null;
  city?: string | null;
  region?: string | null;
  postal_code?: string | null;
  country?: string | null;
}

export interface Account {
  id: string;
  name: string;
  domain: string | null;
  industry: string | null;
  size: number | null;
  country: string | null;
  addresses: Address[];
  type: string;
  parent_id: string | null;
  owner: string | null;
  attributes: Record<string, unknown>;
  merged_into: string | null;
  created_at: string;
  updated_at: string;
  created_by?: string | null;
  version: number;
}

export interface Hierarchy {
  account: Account;
  ancestors: Account[];
  children: Account[];
}

export const ACCOUNT_TYPES = ["prospect", "customer", "partner", "reseller", "competitor"];

const names = new Map<string, Promise<string | null>>();

/** An account's name, fetched once per page load (null when it cannot be read). */
export function accountName(id: string, signal?: AbortSignal): Promise<string | null> {
  let name = names.get(id);
  if (!name) {
    name = get<Account>(`/accounts/${id}`, undefined, signal)
      .then((a) => a.name)
      .catch(() => {
        names.delete(id);
        return null;
      });
    names.set(id, name);
  }
  return name;
}

/** Remembers names the page already has (a list of accounts, a record). */
export function knowAccountNames(accounts: Pick<Account, "id" | "name">[]) {
  for (const a of accounts) names.set(a.id, Promise.resolve(a.name));
}

/** The names of the accounts a list links to: id -> name, filled in as they arrive. */
export function useAccountNames(ids: (string | null | undefined)[]): Record<string, string> {
  const [known, setKnown] = useState<Record<string, string>>({});
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))].sort();
  const key = wanted.join(",");
  useEffect(() => {
    if (!wanted.length) return;
    const controller = new AbortController();
    Promise.all(wanted.map((id) => accountName(id).then((name) => [id, name] as const))).then((pairs) => {
      if (controller.signal.aborted) return;
      setKnown(Object.fromEntries(pairs.filter(([, name]) => name !== null)) as Record<string, string>);
    });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return known;
}
