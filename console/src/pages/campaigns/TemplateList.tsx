// /campaigns/templates: the email templates campaigns send.
import { Link, useLoaderData, type LoaderFunctionArgs } from "react-router";
import { get } from "../../lib/api";
import { when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { Pager } from "../../components/DataTable";
import type { Page } from "../../components/records";
import type { Template } from "./campaign";
import "./campaigns.css";

export async function templateListLoader({ request: req }: LoaderFunctionArgs): Promise<Page<Template>> {
  const params = new URL(req.url).searchParams;
  return get<Page<Template>>("/campaigns/templates", { limit: 50, cursor: params.get("cursor") ?? undefined }, req.signal);
}

export function TemplateList() {
  const page = useLoaderData() as Page<Template>;
  const can = useCan();
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Email templates</h1>
          <p className="muted">The emails campaigns send, with merge fields filled in for each person.</p>
        </div>
        {can("campaigns:write") && <div className="actions"><Link className="button" to="/campaigns/templates/new">New template</Link></div>}
      </div>
      {page.items.length === 0 ? <p className="empty">No templates yet.</p> : (
        <ul className="plain doc-list" aria-label="Templates">
          {page.items.map((t) => (
            <li key={t.id}>
              <Link to={`/campaigns/templates/${t.id}`}>{t.name}</Link>
              <span className="muted"> · “{t.subject}” · changed {when(t.updated_at)}</span>
            </li>
          ))}
        </ul>
      )}
      <Pager nextCursor={page.next_cursor} />
    </section>
  );
}
