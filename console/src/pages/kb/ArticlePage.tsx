// /kb/:articleId: one article as readers see it (the server's sanitised HTML),
// its facts, the status moves the person's role and the article's status
// allow (submit for review, publish, archive, restore), its helpful votes and
// the cases it solved.
import { useEffect, useState } from "react";
import { Link, useLoaderData, useLocation, useRevalidator, useRouteLoaderData, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag, request } from "../../lib/api";
import { label, plural, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { ActionButton } from "../orders/actions";
import { StatusBadge } from "./ArticleList";
import { categoryName, languageName, loadCategories, movesOf, type Article, type Category, type LinkedCase } from "./kb";
import "./kb.css";

export interface ArticleData {
  article: Article;
  etag?: string;
  categories: Category[];
}

/** The article of /kb/:articleId (shared by its page, its versions and its editor). */
export async function articleLoader({ params, request: req }: LoaderFunctionArgs): Promise<ArticleData> {
  const [answer, categories] = await Promise.all([
    getWithEtag<Article>(`/articles/${params.articleId}`, req.signal),
    loadCategories().catch(() => [] as Category[]),
  ]);
  return { article: answer.data, etag: answer.etag, categories };
}

export function useArticle(): ArticleData {
  return useRouteLoaderData("article") as ArticleData;
}

interface Related {
  cases: LinkedCase[] | null;
}

export async function articleRelatedLoader({ params, request: req }: LoaderFunctionArgs): Promise<Related> {
  const cases = await get<{ items: LinkedCase[] }>(`/articles/${params.articleId}/cases`, undefined, req.signal)
    .then((answer) => answer.items)
    .catch(() => null);
  return { cases };
}

export function ArticlePage() {
  const { article, etag, categories } = useArticle();
  const { cases } = useLoaderData() as Related;
  const can = useCan();
  const writer = can("kb:write");
  const revalidator = useRevalidator();
  const location = useLocation();
  const [message, setMessage] = useState<string | undefined>((location.state as { message?: string } | null)?.message);
  useEffect(() => setMessage((location.state as { message?: string } | null)?.message), [location.key, location.state]);
  const { helpful_yes: yes, helpful_no: no, views } = article.stats;
  const category = categoryName(article, categories);
  const ifMatch = etag ?? `"${article.version}"`;
  const html = article.body_html;
  const draft = article.draft;
  const moves = movesOf(article);

  return (
    <article>
      <div className="page-head">
        <div>
          <h1>{article.title}</h1>
          <p className="muted">
            <StatusBadge status={article.status} /> · {label(article.visibility)} · {languageName(article.language)}
            {category && <> · {category}</>}
            {article.published_at && <> · published {when(article.published_at)}</>}
          </p>
        </div>
      </div>
      {message && <p role="status" className="alert ok">{message}</p>}
      {article.status === "archived" && <p className="alert info">Archived: readers no longer find it. Restore it to work on it again.</p>}
      {article.status === "in_review" && <p className="alert info">Waiting for review: publish it when it reads right.</p>}
      {draft && (
        <div className="alert info">
          <p>
            <strong>An edit is pending</strong> ({draft.status === "in_review" ? "waiting for review" : "draft"}, changed {when(draft.updated_at)}
            {draft.updated_by ? ` by ${draft.updated_by}` : ""}). Readers see the published text below until it is published.
          </p>
          {article.published_number && (
            <p><Link to={`/kb/${article.id}/versions?from=${article.published_number}&to=draft`}>Compare the edit with the published version</Link></p>
          )}
        </div>
      )}
      <div className="grid-2">
        <div>
          <section className="panel kb-article" aria-label="Article">
            {html ? (
              // The server renders the Markdown and sanitises it (nh3, an allow-list without scripts, styles or
              // event handlers); nothing else in the console inserts HTML.
              <div className="kb-body" dangerouslySetInnerHTML={{ __html: html }} />
            ) : (
              <p className="muted">This article has no text yet.</p>
            )}
          </section>
          <section className="panel" aria-labelledby="cases-heading">
            <h2 id="cases-heading">Cases it solved</h2>
            {cases === null ? <p className="muted">The linked cases cannot be shown right now.</p>
              : cases.length === 0 ? <p className="muted">No case is linked to this article yet. Agents link it from a case's reply.</p> : (
                <ul className="plain kb-cases">
                  {cases.map((c) => {
                    const id = c.case_id;
                    return (
                      <li key={id}>
                        <Link to={`/cases/${id}`}>{c.number ?? "Case"}</Link>
                        {c.subject && <> · {c.subject}</>}
                        {c.status && <> · <span className="badge">{label(c.status)}</span></>}
                        {c.linked_at && <span className="muted"> · linked {when(c.linked_at)}</span>}
                      </li>
                    );
                  })}
                </ul>
              )}
          </section>
        </div>
        <aside>
          {writer && (
            <section className="panel" aria-labelledby="actions-heading">
              <h2 id="actions-heading">Actions</h2>
              <div className="action-stack">
                {article.actions.includes("update") && (
                  <Link className="button secondary" to={`/kb/${article.id}/edit`}>{draft ? "Edit the pending edit" : "Edit article"}</Link>
                )}
                {moves.map((move) => (
                  <ActionButton key={move.action} className={move.secondary ? "secondary" : undefined}
                    work={() => request(`/articles/${article.id}/${move.action}`, { method: "POST", ifMatch })}
                    done={() => { setMessage(move.done); revalidator.revalidate(); }}>
                    {move.label}
                  </ActionButton>
                ))}
                {moves.length === 0 && !article.actions.includes("update") && <p className="muted">Nothing to do with it in this status.</p>}
                {article.status === "published" && !draft && (
                  <p className="muted">Edits of a published article are kept as a draft until it is published again; readers see the published text meanwhile.</p>
                )}
              </div>
            </section>
          )}
          <section className="panel" aria-labelledby="facts-heading">
            <h2 id="facts-heading">Details</h2>
            <dl className="facts">
              <dt>Helpful</dt>
              <dd>
                <span className="kb-votes">{plural(yes, "reader")} found it helpful, {no.toLocaleString()} did not</span>
              </dd>
              <dt>Views</dt><dd>{views.toLocaleString()}</dd>
              <dt>Tags</dt>
              <dd>
                {article.tags.length === 0 ? "—" : (
                  <ul className="kb-tags" aria-label="Tags">
                    {article.tags.map((tag) => <li key={tag}><Link to={`/kb?tag=${encodeURIComponent(tag)}`}>{tag}</Link></li>)}
                  </ul>
                )}
              </dd>
              <dt>Address</dt><dd><code>{article.slug}</code></dd>
              <dt>Written by</dt><dd>{article.author ?? article.created_by ?? "—"}</dd>
              {article.published_number && <><dt>Version</dt><dd>{article.published_number}{article.published_by ? ` · published by ${article.published_by}` : ""}</dd></>}
              <dt>Created</dt><dd>{when(article.created_at)}</dd>
              <dt>Changed</dt><dd>{when(article.updated_at)}</dd>
            </dl>
            <p><Link to={`/kb/${article.id}/versions`}>Version history</Link></p>
            {article.visibility === "public" && article.status === "published" && (
              <p className="muted">Public: readable without signing in.</p>
            )}
          </section>
        </aside>
      </div>
    </article>
  );
}
