// /kb: the knowledge base. Full-text search (best matches first, a snippet
// with the words found highlighted) or the newest articles, filtered by
// status, visibility, category and language; everything in the query string.
import { Form, Link, useLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { get } from "../../lib/api";
import { label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { SelectField, TextField } from "../../components/forms";
import { listQuery } from "../../components/lists";
import {
  ARTICLE_STATUSES, categoryName, LANGUAGES, languageName, loadCategories, snippetParts, VISIBILITIES,
  type ArticlePage, type Category,
} from "./kb";
import "./kb.css";

const FILTERS = ["q", "status", "visibility", "category_id", "language", "tag"];
const LIST_KEYS = [...FILTERS, "sort", "page", "limit"];
const SORTS = [
  { value: "relevance", label: "Best match (when searching)" },
  { value: "-updated_at", label: "Changed, newest first" },
  { value: "-published_at", label: "Published, newest first" },
  { value: "title", label: "Title A–Z" },
];

interface Data {
  page: ArticlePage;
  categories: Category[];
}

export async function articleListLoader({ request }: LoaderFunctionArgs): Promise<Data> {
  const params = new URL(request.url).searchParams;
  const [page, categories] = await Promise.all([
    get<ArticlePage>("/articles", listQuery(params, LIST_KEYS), request.signal),
    loadCategories().catch(() => [] as Category[]),
  ]);
  return { page, categories };
}

/** A snippet from the search: the words found are <mark>ed, everything else is plain text. */
export function Snippet({ html, className }: { html: string; className?: string }) {
  return (
    <span className={className}>
      {snippetParts(html).map((part, index) => (part.marked ? <mark key={index}>{part.text}</mark> : part.text))}
    </span>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge kb-${status}`}>{label(status)}</span>;
}

export function ArticleList() {
  const { page, categories } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const can = useCan();
  const q = params.get("q") ?? "";
  const filtered = FILTERS.some((key) => params.get(key));
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Knowledge base</h1>
          <p className="muted">
            {q ? <>Articles matching “{q}”, best match first (a title counts more than the text).</> : "The newest articles first."}
          </p>
        </div>
        {can("kb:write") && (
          <div className="actions">
            <Link className="button" to="/kb/new">New article</Link>
          </div>
        )}
      </div>
      <Form method="get" className="toolbar kb-filters" role="search" aria-label="Search articles">
        <TextField label="Search" name="q" type="search" defaultValue={q} key={`q${q}`}
          hint={<>Words, <code>"a phrase"</code>, <code>-word</code> to leave out, <code>or</code>.</>} />
        <SelectField label="Status" name="status" defaultValue={params.get("status") ?? ""} key={`s${params.get("status")}`}
          options={ARTICLE_STATUSES.map((s) => ({ value: s, label: label(s) }))} placeholder="Any status" />
        <SelectField label="Visibility" name="visibility" defaultValue={params.get("visibility") ?? ""}
          key={`v${params.get("visibility")}`} options={VISIBILITIES.map((v) => ({ value: v, label: label(v) }))}
          placeholder="Internal and public" />
        <SelectField label="Category" name="category_id" defaultValue={params.get("category_id") ?? ""}
          key={`c${params.get("category_id")}${categories.length}`}
          options={categories.map((c) => ({ value: c.id, label: c.name }))} placeholder="Any category" />
        <SelectField label="Language" name="language" defaultValue={params.get("language") ?? ""}
          key={`l${params.get("language")}`} options={LANGUAGES} placeholder="Any language" />
        <SelectField label="Sort" name="sort" defaultValue={params.get("sort") ?? ""} key={`o${params.get("sort")}`}
          options={SORTS} placeholder={q ? "Best match" : "Changed, newest first"} />
        {params.get("tag") && <input type="hidden" name="tag" value={params.get("tag")!} />}
        <button type="submit">Search</button>
        {filtered && <Link to="?" className="button secondary">Clear</Link>}
      </Form>
      {params.get("tag") && (
        <p className="muted">Tagged “{params.get("tag")}” · <Link to={`?${without(params, "tag")}`}>any tag</Link></p>
      )}
      {page.items.length === 0 ? (
        <p className="empty">
          {q ? <>No article matches “{q}”. Try fewer or other words{filtered ? <>, or <Link to={`?q=${encodeURIComponent(q)}`}>search without the filters</Link></> : null}.</>
            : filtered ? <>No article matches these filters. <Link to="?">Clear the filters</Link>.</> : "No articles yet."}
        </p>
      ) : (
        <ol className="kb-hits" aria-label="Articles">
          {page.items.map((hit) => {
            const category = categoryName(hit, categories);
            const snippet = hit.snippet;
            return (
              <li key={hit.id}>
                <h2 className="kb-hit-title">
                  <Link to={`/kb/${hit.id}`}>{hit.title_highlight ? <Snippet html={hit.title_highlight} /> : hit.title}</Link>
                </h2>
                <div className="meta">
                  <StatusBadge status={hit.status} /> · {label(hit.visibility)} · {languageName(hit.language)}
                  {category && <> · {category}</>}
                  {hit.has_draft && <> · <span className="badge kb-draft">Edit pending</span></>}
                  {hit.updated_at && <> · changed {when(hit.updated_at)}</>}
                </div>
                {snippet && <p className="kb-snippet"><Snippet html={snippet} /></p>}
                {hit.tags && hit.tags.length > 0 && (
                  <ul className="kb-tags" aria-label={`Tags of ${hit.title}`}>
                    {hit.tags.map((tag) => <li key={tag}><Link to={`?${withTag(params, tag)}`}>{tag}</Link></li>)}
                  </ul>
                )}
              </li>
            );
          })}
        </ol>
      )}
      <PageLinks page={page.page} next={page.next_page} />
    </section>
  );
}

/** "Previous page · Next page" of a ranked list (page numbers in the URL, so Back returns). */
function PageLinks({ page, next }: { page: number; next: number | null }) {
  const [params] = useSearchParams();
  if (page <= 1 && !next) return null;
  const to = (n: number) => {
    const p = new URLSearchParams(params);
    if (n <= 1) p.delete("page");
    else p.set("page", String(n));
    return `?${p.toString()}`;
  };
  return (
    <nav aria-label="Pages" className="pager">
      {page > 1 && <Link to={to(page - 1)} rel="prev">Previous page</Link>}
      <span className="muted">Page {page}</span>
      {next && <Link to={to(next)} rel="next">Next page</Link>}
    </nav>
  );
}

function without(params: URLSearchParams, key: string): string {
  const next = new URLSearchParams(params);
  next.delete(key);
  next.delete("page");
  return next.toString();
}

function withTag(params: URLSearchParams, tag: string): string {
  const next = new URLSearchParams(params);
  next.set("tag", tag);
  next.delete("page");
  return next.toString();
}
