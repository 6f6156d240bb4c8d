// The frame of every signed-in page: skip link, menu (role-aware), global
// search, breadcrumbs, the page title in the tab, and the page itself.
import { useEffect, useRef, useState } from "react";
import { Form, Link, NavLink, Outlet, useLocation, useMatches, useNavigate, useNavigation, type UIMatch } from "react-router";
import { NAV } from "../nav";
import { APP_NAME, made, type PageHandle } from "../lib/page";
import { displayName, signOut, signOutEverywhere, useCan, useSession } from "../lib/session";
import { describe } from "../lib/api";
import { useRememberRecord } from "./RecentRecords";

interface Crumb {
  label: string;
  to: string;
}

export function useCrumbs(): Crumb[] {
  const matches = useMatches() as UIMatch<unknown, PageHandle | undefined>[];
  const crumbs: Crumb[] = [];
  for (const match of matches) {
    const label = made(match.handle?.crumb, match);
    if (label) crumbs.push({ label, to: match.pathname });
  }
  return crumbs;
}

export function usePageTitle(): string {
  const matches = useMatches() as UIMatch<unknown, PageHandle | undefined>[];
  for (let i = matches.length - 1; i >= 0; i--) {
    const title = made(matches[i].handle?.title, matches[i]) ?? made(matches[i].handle?.crumb, matches[i]);
    if (title) return title;
  }
  return "Home";
}

export function Breadcrumbs() {
  const crumbs = useCrumbs();
  if (crumbs.length <= 1) return null;
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {crumbs.map((crumb, index) => (
          <li key={crumb.to + index}>
            {index === crumbs.length - 1 ? (
              <span aria-current="page">{crumb.label}</span>
            ) : (
              <Link to={crumb.to}>{crumb.label}</Link>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function UserMenu() {
  const session = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState(false);
  const leave = async (everywhere: boolean) => {
    try {
      if (everywhere) await signOutEverywhere();
      else await signOut();
      navigate("/sign-in", { replace: true, state: { signedOut: everywhere ? "everywhere" : "here" } });
    } catch (e) {
      setError(describe(e));
    }
  };
  return (
    <div className="user-menu">
      <button type="button" className="ghost" aria-expanded={open} aria-controls="user-menu-items"
        onClick={() => setOpen(!open)}>
        {displayName(session.user)} <span className="muted">({session.user.role})</span>
      </button>
      {open && (
        <ul id="user-menu-items" className="menu-items">
          <li><Link to="/profile" onClick={() => setOpen(false)}>Profile and tokens</Link></li>
          <li><button type="button" className="link" onClick={() => leave(false)}>Sign out</button></li>
          <li><button type="button" className="link" onClick={() => leave(true)}>Sign out everywhere</button></li>
        </ul>
      )}
      {error && <p role="alert" className="error">{error}</p>}
    </div>
  );
}

export function Shell() {
  const can = useCan();
  const title = usePageTitle();
  useRememberRecord(useSession().user.username, title);
  const location = useLocation();
  const navigation = useNavigation();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    document.title = `${title} · ${APP_NAME}`;
  }, [title]);

  // A new page: close the phone menu and move focus to the page for screen readers and keyboards.
  useEffect(() => {
    setMenuOpen(false);
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [location.pathname]);

  const q = new URLSearchParams(location.search).get("q") ?? "";
  return (
    <div className="app">
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <Link to="/" className="brand">{APP_NAME}</Link>
        <button type="button" className="menu-toggle ghost" aria-expanded={menuOpen} aria-controls="main-menu"
          onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <nav id="main-menu" aria-label="Main" className={menuOpen ? "mainnav open" : "mainnav"}>
          <ul>
            {NAV.filter((item) => can(item.permission)).map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.to === "/"}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <Form role="search" action="/search" className="search">
          <label htmlFor="global-search" className="visually-hidden">Search leads, accounts, contacts and deals</label>
          <input id="global-search" name="q" type="search" placeholder="Search name, email, phone, domain"
            defaultValue={location.pathname === "/search" ? q : ""} key={location.pathname + q} minLength={2} />
        </Form>
        <UserMenu />
      </header>
      {navigation.state === "loading" && <div className="progress" role="progressbar" aria-label="Loading page" />}
      <main id="main" ref={main} tabIndex={-1} aria-busy={navigation.state === "loading"}>
        <Breadcrumbs />
        <Outlet />
      </main>
    </div>
  );
}
