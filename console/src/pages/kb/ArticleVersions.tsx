// /kb/:articleId/versions: every published version of an article (each
// publish keeps one), and the difference between any two of them
// (?from=1&to=2, a line diff from the API: removed lines, added lines).
import { Form, Link, useLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { describe, get } from "../../lib/api";
import { when } from "../../lib/format";
import { SelectField } from "../../components/forms";
import { useArticle } from "./ArticlePage";
import type { ArticleVersion } from "./kb";
import "./kb.css";

interface DiffAnswer {
  from: number;
  to: string;
  /** A unified diff of the title and body. */
  diff: string;
  changed: boolean;
}

interface Data {
  versions: ArticleVersion[];
  from: number | null;
  to: string | null;
  diff: DiffAnswer | null;
  diffError: string | null;
}

export async function versionsLoader({ params, request }: LoaderFunctionArgs): Promise<Data> {
  const id = params.articleId!;
  const answer = await get<{ items: ArticleVersion[] }>(`/articles/${id}/versions`, undefined, request.signal);
  const versions = answer.items.slice().sort((a, b) => b.number - a.number);
  const search = new URL(request.url).searchParams;
  let from = Number(search.get("from")) || null;
  let to = search.get("to") || null;
  if (!from && !to && versions.length >= 2) {
    to = String(versions[0].number);
    from = versions[1].number;
  }
  let diff: DiffAnswer | null = null;
  let diffError: string | null = null;
  if (from && to) {
    if (String(from) === to) diffError = "Pick two different versions to compare.";
    else {
      try {
        diff = await get<DiffAnswer>(`/articles/${id}/versions/diff`, { from, to }, request.signal);
      } catch (error) {
        if (request.signal.aborted) throw error;
        diffError = describe(error);
      }
    }
  }
  return { versions, from, to, diff, diffError };
}

export interface DiffLine {
  kind: "add" | "remove" | "hunk" | "file" | "same";
  text: string;
}

/** A unified diff's lines, each with its kind. */
export function diffLines(diff: string): DiffLine[] {
  const lines = diff.split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines.map(classify);
}

function classify(line: string): DiffLine {
  if (line.startsWith("+++") || line.startsWith("---")) return { kind: "file", text: line };
  if (line.startsWith("@@")) return { kind: "hunk", text: line };
  if (line.startsWith("+")) return { kind: "add", text: line.slice(1) };
  if (line.startsWith("-")) return { kind: "remove", text: line.slice(1) };
  return { kind: "same", text: line.startsWith(" ") ? line.slice(1) : line };
}

export function DiffView({ lines, caption }: { lines: DiffLine[]; caption: string }) {
  const shown = lines.filter((l) => l.kind !== "file");
  if (shown.length === 0) return <p className="muted">The two versions have the same title and text.</p>;
  return (
    <table className="kb-diff">
      <caption className="visually-hidden">{caption}</caption>
      <thead className="visually-hidden">
        <tr><th scope="col">Change</th><th scope="col">Line</th></tr>
      </thead>
      <tbody>
        {shown.map((line, index) => (
          <tr key={index} className={`diff-${line.kind}`}>
            <td className="diff-mark">
              {line.kind === "add" ? <><span aria-hidden="true">+</span><span className="visually-hidden">added</span></>
                : line.kind === "remove" ? <><span aria-hidden="true">−</span><span className="visually-hidden">removed</span></>
                  : line.kind === "hunk" ? <span className="visually-hidden">section</span> : null}
            </td>
            <td className="diff-text">
              {line.kind === "add" ? <ins>{line.text}</ins> : line.kind === "remove" ? <del>{line.text}</del> : line.text}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ArticleVersions() {
  const { article } = useArticle();
  const { versions, from, to, diff, diffError } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const options = versions.map((v) => ({ value: String(v.number), label: `Version ${v.number} · ${when(v.published_at)}` }));
  const toOptions = article.draft ? [{ value: "draft", label: "The pending edit (not published)" }, ...options] : options;
  const toName = (to: string) => (to === "draft" ? "the pending edit" : `version ${to}`);
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Versions of “{article.title}”</h1>
          <p className="muted">Every publish keeps a version. Compare any two of them.</p>
        </div>
        <div className="actions"><Link className="button secondary" to={`/kb/${article.id}`}>Back to the article</Link></div>
      </div>
      {versions.length === 0 ? (
        <p className="empty">Not published yet: the first publish keeps version 1.</p>
      ) : (
        <>
          <ol className="timeline" aria-label="Versions">
            {versions.map((v, index) => {
              const n = v.number;
              const older = versions[index + 1];
              return (
                <li key={n}>
                  <div className="meta">
                    Version {n} · {when(v.published_at)} · {v.published_by ?? "—"}
                    {n === article.published_number && article.status === "published" && <> · <span className="badge kb-published">Published now</span></>}
                  </div>
                  <strong>{v.title}</strong>
                  {older && (
                    <> · <Link to={`?from=${older.number}&to=${n}`}>Changes from version {older.number}</Link></>
                  )}
                </li>
              );
            })}
          </ol>
          {(versions.length >= 2 || article.draft) && (
            <Form method="get" className="toolbar" aria-label="Compare versions">
              <SelectField label="From version" name="from" options={options} defaultValue={String(from ?? "")}
                key={`f${params.get("from")}${from}`} />
              <SelectField label="To version" name="to" options={toOptions} defaultValue={to ?? ""}
                key={`t${params.get("to")}${to}`} />
              <button type="submit">Compare</button>
            </Form>
          )}
          {diffError && <p role="alert" className="alert error">{diffError}</p>}
          {diff && from && to && (
            <section className="panel" aria-labelledby="diff-heading">
              <h2 id="diff-heading">Changes from version {from} to {toName(to)}</h2>
              {diff.changed ? <DiffView lines={diffLines(diff.diff)} caption={`Changes from version ${from} to ${toName(to)}`} />
                : <p className="muted">No change: the two have the same title and text.</p>}
            </section>
          )}
        </>
      )}
    </section>
  );
}
