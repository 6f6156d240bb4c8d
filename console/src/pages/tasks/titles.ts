// The names of records that lists show only by id (the account of a board
// card, the record a task is for), fetched a few at a time and kept for the
// page load.
import { useEffect, useState } from "react";
import { csrfToken, get } from "../../lib/api";
import { recordTitle, type RecordKind } from "./task";

const known = new Map<string, string | null>();
const waiting = new Map<string, Promise<void>>();
const PARALLEL = 4;
let sessionKey: string | undefined;

/** Names read in another person's session are not shown in this one. */
function forThisSession() {
  const key = csrfToken();
  if (key !== sessionKey) {
    known.clear();
    sessionKey = key;
  }
}

const keyOf = (kind: RecordKind, id: string) => `${kind}/${id}`;

async function fetchTitles(keys: string[]) {
  forThisSession();
  const queue = keys.filter((key) => !known.has(key) && !waiting.has(key));
  const run = async () => {
    for (let key = queue.shift(); key; key = queue.shift()) {
      const job = get<Record<string, unknown>>(`/${key}`)
        .then((record) => { known.set(key!, recordTitle(record)); })
        .catch(() => { known.set(key!, null); })
        .finally(() => waiting.delete(key!));
      waiting.set(key, job);
      await job;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, run));
  await Promise.all(keys.map((key) => waiting.get(key)).filter(Boolean));
}

/** Title of each record (by "kind/id"); missing while loading, null when it cannot be read. */
export function useRecordTitles(records: { kind: RecordKind; id: string }[]): Record<string, string | null | undefined> {
  forThisSession();
  const keys = [...new Set(records.map((r) => keyOf(r.kind, r.id)))].sort();
  const [, setVersion] = useState(0);
  const joined = keys.join(",");
  useEffect(() => {
    let live = true;
    if (keys.some((key) => !known.has(key))) {
      fetchTitles(keys).then(() => live && setVersion((n) => n + 1));
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [joined]);
  return Object.fromEntries(keys.map((key) => [key, known.get(key)]));
}

export function titleKey(kind: RecordKind, id: string): string {
  return keyOf(kind, id);
}
