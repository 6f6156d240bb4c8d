// The knowledge base's records as the API gives them (gateway/routes/kb.py),
// the moves of an article's status, and the highlighted search snippets.
import { get } from "../../lib/api";

export const ARTICLE_STATUSES = ["draft", "in_review", "published", "archived"] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];
export const VISIBILITIES = ["internal", "public"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** The languages offered in the editor and the filters (the API accepts others: any ISO 639-1 code). */
export const LANGUAGES: { value: string; label: string }[] = [
  { value: "en", label: "English" },
  { value: "de", label: "German" },
  { value: "fr", label: "French" },
  { value: "es", label: "Spanish" },
  { value: "it", label: "Italian" },
  { value: "nl", label: "Dutch" },
  { value: "pt", label: "Portuguese" },
  { value: "sv", label: "Swedish" },
];

export function languageName(code: string | null | undefined): string {
  if (!code) return "—";
  return LANGUAGES.find((l) => l.value === code)?.label ?? code;
}

export interface Category {
  id: string;
  name: string;
  slug: string;
  description: string | null;
  position: number;
  /** Published articles in it. */
  articles: number;
}

export interface ArticleDraft {
  title: string;
  body: string;
  body_html: string;
  tags: string[];
  category_id: string | null;
  language: string;
  visibility: Visibility;
  status: "draft" | "in_review";
  updated_by: string | null;
  updated_at: string;
}

export interface Article {
  id: string;
  title: string;
  slug: string;
  /** Markdown. */
  body: string;
  /** The body rendered from Markdown and sanitised by the server (the only HTML the console inserts). */
  body_html: string;
  category_id: string | null;
  tags: string[];
  language: string;
  visibility: Visibility;
  status: ArticleStatus;
  author: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  /** The published version readers see (none before the first publish). */
  published_number: number | null;
  published_at: string | null;
  published_by: string | null;
  archived_at: string | null;
  /** A published article's pending edit (PATCH writes here). */
  draft: ArticleDraft | null;
  stats: { helpful_yes: number; helpful_no: number; views: number };
  /** What can be done now: update, submit, withdraw, publish, archive, restore. */
  actions: string[];
  version: number;
}

export interface ArticleHit {
  id: string;
  title: string;
  slug?: string;
  /** A piece of the body around the words searched for: HTML-escaped text, only <mark> tags. */
  snippet: string | null;
  title_highlight: string | null;
  status: ArticleStatus;
  visibility: Visibility;
  language: string;
  category_id: string | null;
  tags: string[];
  updated_at: string;
  published_at: string | null;
  has_draft: boolean;
  rank: number | null;
  version: number;
}

/** A page of a list or search (page numbers: ranked answers have no stable cursor). */
export interface ArticlePage {
  items: ArticleHit[];
  page: number;
  next_page: number | null;
}

export interface ArticleVersion {
  number: number;
  title: string;
  body: string;
  tags: string[];
  language: string;
  visibility: string;
  published_at: string;
  published_by: string | null;
}

export interface LinkedCase {
  case_id: string;
  number: string | null;
  subject: string | null;
  status: string | null;
  linked_by: string | null;
  linked_at: string;
}

export function categoryName(item: { category_id?: string | null }, categories: Category[]): string | null {
  return categories.find((c) => c.id === item.category_id)?.name ?? null;
}

/** The status moves of an article, in the order they are offered (the API says which are possible now). */
export interface Move {
  action: "submit" | "withdraw" | "publish" | "archive" | "restore";
  label: string;
  done: string;
  secondary?: boolean;
}

const MOVES: Move[] = [
  { action: "submit", label: "Submit for review", done: "Submitted for review." },
  { action: "publish", label: "Publish", done: "Published: readers see this version now, and it is kept in the history." },
  { action: "withdraw", label: "Back to draft", done: "Back to draft.", secondary: true },
  { action: "archive", label: "Archive", done: "Archived: readers no longer find it.", secondary: true },
  { action: "restore", label: "Restore", done: "Restored." },
];

/** The moves the API lists in the article's `actions`. */
export function movesOf(article: Pick<Article, "actions">): Move[] {
  return MOVES.filter((move) => article.actions.includes(move.action));
}

let categoriesOnce: Promise<Category[]> | undefined;

/** The knowledge base's categories (read once per page load; a new one made in the editor resets it). */
export function loadCategories(): Promise<Category[]> {
  // Not tied to one page's AbortSignal: the answer is shared by the pages that ask.
  categoriesOnce ??= get<{ items: Category[] }>("/kb/categories")
    .then((answer) => answer.items)
    .catch((error) => {
      categoriesOnce = undefined;
      throw error;
    });
  return categoriesOnce;
}

export function forgetCategories() {
  categoriesOnce = undefined;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** Text with HTML character references (&amp; &lt; &#39; &#x27;) turned back into the characters. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

export interface SnippetPart {
  text: string;
  marked: boolean;
}

/**
 * A search snippet as parts to render as text: only <mark>…</mark> is
 * honoured (as highlighting); any other tag shows as the text it is.
 */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const re = /<mark>([\s\S]*?)<\/mark>/gi;
  let last = 0;
  for (let m = re.exec(snippet); m; m = re.exec(snippet)) {
    if (m.index > last) parts.push({ text: decodeEntities(snippet.slice(last, m.index)), marked: false });
    parts.push({ text: decodeEntities(m[1]), marked: true });
    last = m.index + m[0].length;
  }
  if (last < snippet.length) parts.push({ text: decodeEntities(snippet.slice(last)), marked: false });
  return parts.filter((p) => p.text !== "");
}

/** "a, b ,c" -> ["a", "b", "c"] (trimmed, no blanks, no repeats). */
export function tagList(text: string): string[] {
  const seen = new Set<string>();
  for (const tag of text.split(",").map((t) => t.trim()).filter(Boolean)) seen.add(tag);
  return [...seen];
}
