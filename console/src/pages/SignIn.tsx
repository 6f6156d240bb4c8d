// Sign in once per browser: the gateway sets an HttpOnly session cookie.
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useLocation, useNavigate, useSearchParams } from "react-router";
import { signIn } from "../lib/session";
import { describe, Problem } from "../lib/api";
import { TextField } from "../components/forms";
import { APP_NAME } from "../lib/page";
import { useEffect } from "react";

interface Values {
  username: string;
  password: string;
}

/** Only paths inside the console are followed after signing in. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/sign-in")) return "/";
  return next;
}

export function SignIn() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<string>();
  const { register, handleSubmit, formState } = useForm<Values>();
  const signedOut = (location.state as { signedOut?: string } | null)?.signedOut;

  useEffect(() => {
    document.title = `Sign in · ${APP_NAME}`;
  }, []);

  const submit = async (values: Values) => {
    setError(undefined);
    try {
      await signIn(values.username.trim(), values.password);
      navigate(safeNext(params.get("next")), { replace: true });
    } catch (e) {
      setError(e instanceof Problem && e.status === 401
        ? "Wrong username or password, or the user is deactivated. Check both and try again; an admin can reset a password."
        : describe(e));
    }
  };

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to {APP_NAME}</h1>
      {signedOut === "everywhere" && <p role="status" className="alert info">You are signed out on every browser.</p>}
      {signedOut === "here" && <p role="status" className="alert info">You are signed out.</p>}
      {params.get("next") && !signedOut && (
        <p role="status" className="alert info">Sign in to open the page you asked for.</p>
      )}
      <form onSubmit={handleSubmit(submit)} noValidate>
        <TextField label="Username" autoComplete="username" autoFocus
          error={formState.errors.username?.message}
          {...register("username", { required: "Enter your username." })} />
        <TextField label="Password" type="password" autoComplete="current-password"
          error={formState.errors.password?.message}
          {...register("password", { required: "Enter your password." })} />
        {error && <p role="alert" className="alert error">{error}</p>}
        <button type="submit" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
