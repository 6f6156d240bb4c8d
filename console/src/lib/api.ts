// The one way the console talks to the gateway: same-origin fetch with the
// browser session cookie (HttpOnly, set by POST /api/v1/auth/session), the
// CSRF header on writes, the caller's AbortSignal (navigation cancels the old
// page's requests), and RFC 9457 problems turned into `Problem` errors.

export const API = "/api/v1";

export type FieldErrors = Record<string, string[]>;

export class Problem extends Error {
  status: number;
  title: string;
  detail: string;
  errors: FieldErrors;
  body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    const detail = String(body.detail ?? body.title ?? `Request failed (${status})`);
    super(detail);
    this.status = status;
    this.title = String(body.title ?? "Error");
    this.detail = detail;
    this.errors = flattenErrors(body.errors);
    this.body = body;
  }

  /** Messages that belong to no single field (the whole request). */
  get general(): string[] {
    return this.errors._schema ?? [];
  }
}

/** marshmallow's nested errors ({phones: {0: ["..."]}}) as dotted fields. */
export function flattenErrors(errors: unknown, prefix = ""): FieldErrors {
  const out: FieldErrors = {};
  if (!errors || typeof errors !== "object") return out;
  if (Array.isArray(errors)) {
    if (errors.every((e) => typeof e === "string")) {
      out[prefix || "_schema"] = errors as string[];
    }
    return out;
  }
  for (const [key, value] of Object.entries(errors as Record<string, unknown>)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value) && value.every((e) => typeof e === "string")) {
      out[name] = value as string[];
    } else {
      Object.assign(out, flattenErrors(value, name));
    }
  }
  return out;
}

export function csrfToken(): string | undefined {
  const match = document.cookie.match(/(?:^|;\s*)crm_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : undefined;
}

export type Query = Record<string, string | number | boolean | undefined | null | (string | number)[]>;

export function queryString(query?: Query | URLSearchParams): string {
  if (!query) return "";
  const params = query instanceof URLSearchParams ? new URLSearchParams(query) : new URLSearchParams();
  if (!(query instanceof URLSearchParams)) {
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null || value === "") continue;
      if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
      else params.append(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  query?: Query | URLSearchParams;
  body?: unknown;
  /** A body sent as it is (a file), with its Content-Type in `headers`. */
  raw?: BodyInit;
  signal?: AbortSignal;
  ifMatch?: string;
  headers?: Record<string, string>;
}

export interface Answer<T> {
  data: T;
  status: number;
  etag?: string;
  headers: Headers;
}

/** Called when the session has ended (401); the app sends the person to sign in. */
let onSessionEnded: (() => void) | undefined;
export function whenSessionEnds(handler: () => void) {
  onSessionEnded = handler;
}

export async function request<T = unknown>(path: string, options: RequestOptions = {}): Promise<Answer<T>> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") {
    const token = csrfToken();
    if (token) headers["X-CSRF-Token"] = token;
  }
  if (options.ifMatch) headers["If-Match"] = options.ifMatch;
  const response = await fetch(`${API}${path}${queryString(options.query)}`, {
    method,
    headers,
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    credentials: "same-origin",
    signal: options.signal,
  });
  const etag = response.headers.get("ETag") ?? undefined;
  if (response.status === 204) return { data: undefined as T, status: 204, etag, headers: response.headers };
  const type = response.headers.get("Content-Type") ?? "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const problem = new Problem(
      response.status,
      typeof body === "object" && body ? body : { detail: String(body).slice(0, 300) || response.statusText },
    );
    if (response.status === 401 && !path.startsWith("/auth/session")) onSessionEnded?.();
    throw problem;
  }
  return { data: body as T, status: response.status, etag, headers: response.headers };
}

export const get = <T>(path: string, query?: Query | URLSearchParams, signal?: AbortSignal) =>
  request<T>(path, { query, signal }).then((a) => a.data);

export const getWithEtag = <T>(path: string, signal?: AbortSignal) => request<T>(path, { signal });

export const post = <T>(path: string, body?: unknown, signal?: AbortSignal) =>
  request<T>(path, { method: "POST", body, signal }).then((a) => a.data);

export const put = <T>(path: string, body?: unknown) => request<T>(path, { method: "PUT", body }).then((a) => a.data);

export const patch = <T>(path: string, body: unknown, ifMatch?: string) =>
  request<T>(path, { method: "PATCH", body, ifMatch });

export const del = (path: string) => request<void>(path, { method: "DELETE" });

/** The text a person should read for any error. */
export function describe(error: unknown): string {
  if (error instanceof Problem) {
    const general = error.general.join(" ");
    if (error.status === 412) {
      return "Someone changed this record after you opened it. Reload to see their change, then edit again.";
    }
    if (error.status === 403) return `${error.detail} Ask an admin if you need to do this.`;
    if (error.status === 503) return `${error.detail} Try again in a moment.`;
    return general && error.detail.startsWith("Some fields") ? general : error.detail;
  }
  if (error instanceof DOMException && error.name === "AbortError") return "Cancelled.";
  if (error instanceof TypeError && /dynamically imported module|Importing a module script failed/i.test(error.message)) {
    return "The console was updated since this page was opened. Reload the page to use the new version.";
  }
  if (error instanceof TypeError) return "The server cannot be reached. Check your connection and try again.";
  return error instanceof Error ? error.message : String(error);
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}
