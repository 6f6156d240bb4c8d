// /segments/:segmentId: a segment's rule in words, how many people are in it
// now, its members and who joined or left when.
import { useEffect, useState } from "react";
import { Link, useLocation, useRouteLoaderData, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag } from "../../lib/api";
import { label, plural, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert } from "../../components/forms";
import type { Page } from "../../components/records";
import { personName, segmentCount, type PersonEntry, type Segment, type SegmentChange } from "./campaign";
import { fieldCatalogue, LIST_SEP, opLabel, parseRule, type FieldInfo, type RuleNode } from "./rules";
import "./campaigns.css";

export interface SegmentData {
  segment: Segment;
  etag?: string;
  fields: FieldInfo[];
  segments: { id: string; name: string }[];
}

export async function segmentLoader({ params, request: req }: LoaderFunctionArgs): Promise<SegmentData> {
  const [answer, fields, segments] = await Promise.all([
    getWithEtag<Segment>(`/campaigns/segments/${params.segmentId}`, req.signal),
    get<unknown>("/campaigns/people/fields", undefined, req.signal).then(fieldCatalogue).catch(() => [] as FieldInfo[]),
    get<Page<Segment>>("/campaigns/segments", { limit: 200 }, req.signal).then((p) => p.items).catch(() => [] as Segment[]),
  ]);
  return { segment: answer.data, etag: answer.etag, fields, segments };
}

const GROUP_WORDS: Record<string, string> = { all: "All of", any: "Any of", none: "None of", not_all: "Not all of" };

/** The rule in words, as nested lists. */
function RuleText({ node, fields, segments }: { node: RuleNode; fields: FieldInfo[]; segments: { id: string; name: string }[] }) {
  if (node.kind === "segment") {
    const name = segments.find((s) => s.id === node.segment)?.name ?? "another segment";
    return <>{node.negate ? "Not in" : "In"} the segment <Link to={`/segments/${node.segment}`}>{name}</Link></>;
  }
  if (node.kind === "condition") {
    const field = fields.find((f) => f.name === node.field);
    const values = node.value.split(node.value.includes(LIST_SEP) ? LIST_SEP : /\s*,\s*/);
    const shown = (v: string) => field?.values.find((c) => c.value === v)?.label ?? v;
    const value = ["is_empty", "is_not_empty"].includes(node.op) ? ""
      : node.op === "between" ? ` ${node.value} and ${node.value2}`
        : ` ${values.map(shown).join(", ")}`;
    return <>{field?.label ?? label(node.field)} {opLabel(node.op, field?.type).replace(" … ", ` ${node.value} `).replace(/ …$/, "")}{node.op.endsWith("days") || node.op.endsWith("_ago") ? "" : value}</>;
  }
  return (
    <>
      {GROUP_WORDS[node.mode]}:
      <ul className="rule-text">
        {node.children.map((child) => <li key={child.key}><RuleText node={child} fields={fields} segments={segments} /></li>)}
      </ul>
    </>
  );
}

function Paged<T>({ path, heading, id, render, empty, more }: {
  path: string; heading: string; id: string; render: (items: T[]) => React.ReactNode; empty: string; more: string;
}) {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const load = async (next: string | null, signal?: AbortSignal) => {
    try {
      const page = await get<Page<T>>(path, { limit: 25, cursor: next ?? undefined }, signal);
      setItems((old) => (next ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor);
    } catch (e) {
      if (!signal?.aborted) setError(e);
    }
  };
  useEffect(() => {
    const controller = new AbortController();
    load(null, controller.signal);
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path]);
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{heading}</h2>
      <FormAlert error={error} />
      {items.length === 0 && !error ? <p className="muted">{empty}</p> : render(items)}
      {cursor && <button type="button" className="secondary" onClick={() => load(cursor)}>{more}</button>}
    </section>
  );
}

export function PeopleTable({ people, caption }: { people: PersonEntry[]; caption: string }) {
  return (
    <div className="table-wrap">
      <table className="list" aria-label={caption}>
        <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Kind</th><th scope="col">Company</th><th scope="col">Since</th></tr></thead>
        <tbody>
          {people.map((p) => (
            <tr key={p.person_id}>
              <td data-label="Name">{personName(p)}</td>
              <td data-label="Email">{p.email ?? "—"}{p.do_not_email && <> <span className="badge lost">Do not email</span></>}</td>
              <td data-label="Kind">{label(p.kind)}</td>
              <td data-label="Company">{p.company ?? "—"}</td>
              <td data-label="Since">{when(p.joined_at ?? p.added_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SegmentPage() {
  const { segment, fields, segments } = useRouteLoaderData("segment") as SegmentData;
  const can = useCan();
  const location = useLocation();
  const message = (location.state as { message?: string } | null)?.message;
  const count = segmentCount(segment);
  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{segment.name}</h1>
          <p className="muted">
            {count === null ? "" : `${plural(count, "person", "people")} now · `}changed {when(segment.updated_at)}
            {!segment.active && <> · <span className="badge">Switched off: members kept as they were</span></>}
            {segment.relative_dates && <> · re-evaluated hourly (it counts days)</>}
          </p>
        </div>
        <div className="actions">
          {can("campaigns:write") && <Link className="button secondary" to={`/segments/${segment.id}/edit`}>Edit segment</Link>}
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      <div className="grid-2">
        <div>
          <Paged<PersonEntry> path={`/campaigns/segments/${segment.id}/members`} heading="Members" id="members-heading"
            empty="Nobody matches the rule now." more="Show more members"
            render={(items) => <PeopleTable people={items} caption="Members" />} />
          <Paged<SegmentChange> path={`/campaigns/segments/${segment.id}/history`} heading="Joined and left" id="history-heading"
            empty="Nobody has joined or left yet." more="Show older changes"
            render={(items) => (
              <ol className="timeline" aria-label="Joined and left">
                {items.map((c, i) => {
                  const change = c.change;
                  return (
                    <li key={c.id ?? i}>
                      <div className="meta">{when(c.at)}</div>
                      <span className={change === "joined" ? "badge seg-joined" : "badge seg-left"}>{label(change)}</span> {personName(c)}
                    </li>
                  );
                })}
              </ol>
            )} />
        </div>
        <aside>
          <section className="panel" aria-labelledby="rule-heading">
            <h2 id="rule-heading">Rule</h2>
            <div className="rule-text-root"><RuleText node={parseRule(segment.rule)} fields={fields} segments={segments} /></div>
            {segment.description && <p className="pre-line">{segment.description}</p>}
          </section>
        </aside>
      </div>
    </article>
  );
}
