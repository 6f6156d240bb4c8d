import { displayName, useSession } from "../../lib/session";

export function Home() {
  const session = useSession();
  return (
    <section>
      <h1>Good day, {displayName(session.user)}</h1>
    </section>
  );
}
