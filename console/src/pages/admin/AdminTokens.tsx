// /admin/tokens?user_id=...: any user's API tokens, to revoke (or make one for them).
import { Form, Link, useLoaderData, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { get } from "../../lib/api";
import { useSession } from "../../lib/session";
import { ApiTokens } from "../../components/ApiTokens";
import { SelectField } from "../../components/forms";
import type { Page } from "../../components/records";
import { userName, type AdminUser } from "./users";

export async function adminTokensLoader({ request }: LoaderFunctionArgs): Promise<AdminUser[]> {
  const users: AdminUser[] = [];
  let cursor: string | null = null;
  // Every user, to pick from (pages of 500; a suite has far fewer).
  do {
    const page: Page<AdminUser> = await get<Page<AdminUser>>("/users", { limit: 500, cursor }, request.signal);
    users.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && users.length < 5000);
  return users;
}

export function AdminTokens() {
  const users = useLoaderData() as AdminUser[];
  const session = useSession();
  const [params] = useSearchParams();
  const userId = params.get("user_id") ?? session.user.id;
  const user = users.find((u) => u.id === userId);
  return (
    <section>
      <h1>API tokens</h1>
      <p className="muted">Programs use API tokens. Pick a user to see their tokens and revoke one that leaked or is no longer used.</p>
      <Form method="get" className="toolbar" aria-label="Whose tokens">
        <SelectField label="User" name="user_id" defaultValue={userId} key={userId}
          options={users.map((u) => ({ value: u.id, label: `${userName(u)}${u.active ? "" : " (deactivated)"}` }))} />
        <button type="submit">Show their tokens</button>
        {user && <Link to={`/admin/users/${user.id}`}>Open {user.username}’s user page</Link>}
      </Form>
      <ApiTokens userId={userId === session.user.id ? undefined : userId} key={userId}
        title={user ? `API tokens of ${user.username}` : "API tokens"} />
    </section>
  );
}
