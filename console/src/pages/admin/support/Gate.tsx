// The support administration is the admins' (support:admin): other roles get
// "Not allowed" with what to do, even for the lists they may read by API.
import { Link, Outlet } from "react-router";
import { useCan } from "../../../lib/session";

export function SupportAdminGate() {
  const can = useCan();
  if (can("support:admin")) return <Outlet />;
  return (
    <section className="error-page">
      <h1>Not allowed</h1>
      <p role="alert">Only an admin changes SLA policies, calendars, teams and rules. Ask an admin if you need a change.</p>
      <p><Link to="/">Go to Home</Link></p>
    </section>
  );
}
