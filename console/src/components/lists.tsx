// What every list page shares besides the table: the API query of the URL's
// filters, filter links (like status counts without numbers), the CSV export
// link, and bulk changes that go record by record and say what failed.
import { Link, useSearchParams } from "react-router";
import { describe, queryString } from "../lib/api";
import { plural } from "../lib/format";

/** The API query of the URL's filters (only keys the API knows, blanks left out). */
export function listQuery(params: URLSearchParams, keys: string[]): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of keys) params.getAll(key).filter(Boolean).forEach((value) => query.append(key, value));
  return query;
}

/** A link to the same list with one filter set (or removed), back on the first page. */
export function withFilter(params: URLSearchParams, key: string, value: string | null): string {
  const next = new URLSearchParams(params);
  next.delete("cursor");
  if (value) next.set(key, value);
  else next.delete(key);
  return `?${next.toString()}`;
}

/** "All · Open · Won · Lost": one filter's values as links, the current one marked. */
export function FilterLinks({ label, param, options, all = "All" }: {
  label: string;
  param: string;
  options: { value: string; label: string }[];
  all?: string;
}) {
  const [params] = useSearchParams();
  const current = params.get(param);
  return (
    <ul className="counts" aria-label={label}>
      <li><Link to={withFilter(params, param, null)} aria-current={!current ? "true" : undefined}>{all}</Link></li>
      {options.map((o) => (
        <li key={o.value}>
          <Link to={withFilter(params, param, o.value)} aria-current={current === o.value ? "true" : undefined}>{o.label}</Link>
        </li>
      ))}
    </ul>
  );
}

/** "Export CSV": every row matching the list's filters and sort, as the server streams it. */
export function ExportLink({ list, params, keys }: { list: string; params: URLSearchParams; keys: string[] }) {
  return (
    <a className="button secondary" href={`/api/v1/${list}/export.csv${queryString(listQuery(params, keys))}`} download>
      Export CSV
    </a>
  );
}

/**
 * Runs one change per selected record (each with its own If-Match), and says
 * how many were changed and which were not, with the server's reason.
 */
export async function eachRecord<T>(
  records: T[],
  change: (record: T) => Promise<unknown>,
  name: (record: T) => string,
  noun: string,
  nouns = `${noun}s`,
): Promise<string> {
  let ok = 0;
  const failed: string[] = [];
  for (const record of records) {
    try {
      await change(record);
      ok += 1;
    } catch (e) {
      failed.push(`${name(record)}: ${describe(e)}`);
    }
  }
  return `${plural(ok, noun, nouns)} updated.` + (failed.length ? ` ${failed.length} not: ${failed.join(" · ")}` : "");
}
