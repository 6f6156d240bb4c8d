// /kb/new and /kb/:articleId/edit: the article's Markdown beside a live
// preview (rendered and sanitised by the server, a moment after typing
// stops), its category, tags, language and visibility. Saving an edit sends
// If-Match: a change someone made meanwhile is told, never overwritten.
import { useEffect, useRef, useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import { Link, useLoaderData, useNavigate } from "react-router";
import { post, Problem, request } from "../../lib/api";
import { label } from "../../lib/format";
import { applyProblem, FormAlert, SelectField, TextArea, TextField } from "../../components/forms";
import { LeaveGuard } from "../admin/rules";
import { useArticle } from "./ArticlePage";
import { forgetCategories, LANGUAGES, loadCategories, tagList, VISIBILITIES, type Article, type Category } from "./kb";
import "./kb.css";

interface Values {
  title: string;
  body: string;
  category_id: string;
  tags: string;
  language: string;
  visibility: string;
}

const FIELDS: (keyof Values)[] = ["title", "body", "category_id", "tags", "language", "visibility"];
const PREVIEW_DELAY_MS = 400;

export async function newArticleLoader(): Promise<{ categories: Category[] }> {
  return { categories: await loadCategories().catch(() => [] as Category[]) };
}

/** The form's values: a new article's defaults, else the pending edit of a published article, else the article. */
function toValues(article?: Article): Values {
  const source = article?.draft ?? article;
  return {
    title: source?.title ?? "",
    body: source?.body ?? "",
    category_id: source?.category_id ?? "",
    tags: (source?.tags ?? []).join(", "),
    language: source?.language ?? "en",
    visibility: source?.visibility ?? "internal",
  };
}

function toBody(values: Values, only?: Set<string>): Record<string, unknown> {
  const all: Record<string, unknown> = {
    title: values.title.trim(),
    body: values.body,
    category_id: values.category_id || null,
    tags: tagList(values.tags),
    language: values.language,
    visibility: values.visibility,
  };
  if (!only) return all;
  return Object.fromEntries(Object.entries(all).filter(([key]) => only.has(key)));
}

/** The server's rendering of the Markdown, asked for a moment after the typing stops (the last answer wins). */
function usePreview(body: string): { html: string; error?: string; busy: boolean } {
  const [state, setState] = useState<{ html: string; error?: string; busy: boolean }>({ html: "", busy: false });
  const latest = useRef(0);
  useEffect(() => {
    if (!body.trim()) {
      setState({ html: "", busy: false });
      return;
    }
    const controller = new AbortController();
    const call = ++latest.current;
    setState((old) => ({ ...old, busy: true }));
    const timer = window.setTimeout(async () => {
      try {
        const answer = await post<{ html: string }>("/articles/preview", { body }, controller.signal);
        if (call === latest.current) setState({ html: answer.html, busy: false });
      } catch (error) {
        if (controller.signal.aborted || call !== latest.current) return;
        const text = error instanceof Problem ? (error.errors.body ?? [error.detail]).join(" ") : "The preview cannot be made right now.";
        setState((old) => ({ ...old, error: text, busy: false }));
      }
    }, PREVIEW_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [body]);
  return state;
}

/** "New category": a name typed in place (inside the article's form, so no form of its own), made at once. */
function NewCategory({ onMade }: { onMade: (category: Category) => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (!open) {
    return <button type="button" className="secondary" onClick={() => setOpen(true)}>New category</button>;
  }
  const make = async () => {
    setError(undefined);
    if (!name.trim()) {
      setError("Name the category, e.g. Billing.");
      return;
    }
    setBusy(true);
    try {
      const made = await post<Category>("/kb/categories", { name: name.trim() });
      forgetCategories();
      setOpen(false);
      setName("");
      onMade(made);
    } catch (e) {
      setError(e instanceof Problem ? (e.errors.name ?? [e.detail]).join(" ") : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="toolbar kb-new-category">
      <TextField label="New category's name" value={name} maxLength={100} autoFocus error={error}
        onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); make(); } }} />
      <button type="button" onClick={make} disabled={busy}>Add category</button>
      <button type="button" className="secondary" onClick={() => { setOpen(false); setError(undefined); }}>Cancel</button>
    </div>
  );
}

function Editor({ article, etag, categories: loaded }: { article?: Article; etag?: string; categories: Category[] }) {
  const navigate = useNavigate();
  const [general, setGeneral] = useState<string[]>([]);
  const [done, setDone] = useState<{ to: string; message: string }>();
  const [categories, setCategories] = useState(loaded);
  // A category made in place is chosen once its option is rendered.
  const [chosen, setChosen] = useState<string>();
  const { register, handleSubmit, setError, setValue, control, formState } = useForm<Values>({ defaultValues: toValues(article) });
  const body = useWatch({ control, name: "body" });
  const preview = usePreview(body ?? "");
  const errors = formState.errors;

  useEffect(() => {
    if (done) navigate(done.to, { state: { message: done.message } });
  }, [done, navigate]);
  useEffect(() => {
    if (chosen && categories.some((c) => c.id === chosen)) setValue("category_id", chosen, { shouldDirty: true });
  }, [chosen, categories, setValue]);

  const save = async (values: Values) => {
    setGeneral([]);
    try {
      if (article) {
        const changed = new Set(Object.keys(formState.dirtyFields));
        if (changed.size === 0) {
          setDone({ to: `/kb/${article.id}`, message: "Nothing was changed." });
          return;
        }
        await request(`/articles/${article.id}`, { method: "PATCH", body: toBody(values, changed), ifMatch: etag ?? `"${article.version}"` });
        setDone({
          to: `/kb/${article.id}`,
          message: article.status === "published" ? "Saved as a draft of the published article: publish it again to show readers." : "Saved.",
        });
      } else {
        const made = await post<Article>("/articles", toBody(values));
        setDone({ to: `/kb/${made.id}`, message: "Article created as a draft. Submit it for review when it is ready." });
      }
    } catch (error) {
      setGeneral(applyProblem(error, setError, FIELDS, { category: "category_id" }));
    }
  };

  const categoryOptions = categories.map((c) => ({ value: c.id, label: c.name }));
  if (article?.category_id && !categories.some((c) => c.id === article.category_id)) {
    categoryOptions.unshift({ value: article.category_id, label: "(the current category)" });
  }

  return (
    <form onSubmit={handleSubmit(save)} noValidate aria-label={article ? "Edit article" : "New article"} className="kb-editor">
      <LeaveGuard dirty={formState.isDirty && !done && !formState.isSubmitting} what="the article" />
      <TextField label="Title" error={errors.title?.message} maxLength={300} autoFocus={!article}
        {...register("title", { validate: (v) => v.trim() !== "" || "Give the article a title: the words a reader would search for." })} />
      <div className="kb-write">
        <TextArea label="Text (Markdown)" rows={18} error={errors.body?.message} spellCheck
          hint={<>Headings <code>#</code>, <code>**bold**</code>, lists <code>-</code>, links <code>[text](https://…)</code>, code <code>`x`</code>.</>}
          {...register("body", { validate: (v) => v.trim() !== "" || "Write the article's text." })} />
        <section className="panel kb-preview" aria-labelledby="preview-heading" aria-busy={preview.busy}>
          <h2 id="preview-heading">Preview</h2>
          {preview.error && <p role="alert" className="field-error">{preview.error}</p>}
          {preview.html ? (
            // Rendered and sanitised by the server (the same rendering readers get).
            <div className="kb-body" dangerouslySetInnerHTML={{ __html: preview.html }} />
          ) : (
            <p className="muted">{body?.trim() ? "Rendering…" : "The text shows here as readers will see it."}</p>
          )}
        </section>
      </div>
      <div className="form-grid">
        <div>
          <SelectField label="Category" options={categoryOptions} placeholder="(no category)" error={errors.category_id?.message}
            {...register("category_id")} />
          <NewCategory onMade={(made) => {
            setCategories((old) => [...old, made]);
            setChosen(made.id);
          }} />
        </div>
        <TextField label="Tags" error={errors.tags?.message} hint="Separated by commas, e.g. billing, invoices."
          autoCapitalize="none" {...register("tags")} />
        <SelectField label="Language" options={LANGUAGES} error={errors.language?.message} {...register("language")} />
        <SelectField label="Visibility" error={errors.visibility?.message}
          hint="Public articles are readable without signing in, once published."
          options={VISIBILITIES.map((v) => ({ value: v, label: v === "internal" ? "Internal (agents only)" : label(v) }))}
          {...register("visibility")} />
      </div>
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={formState.isSubmitting}>
          {formState.isSubmitting ? "Saving…" : article ? "Save article" : "Create article"}
        </button>
        <Link className="button secondary" to={article ? `/kb/${article.id}` : "/kb"}>Cancel</Link>
      </div>
    </form>
  );
}

export function NewArticle() {
  const { categories } = useLoaderData() as { categories: Category[] };
  return (
    <section>
      <h1>New article</h1>
      <Editor categories={categories} />
    </section>
  );
}

export function EditArticle() {
  const { article, etag, categories } = useArticle();
  return (
    <section>
      <h1>Edit “{article.title}”</h1>
      {article.status === "published" && (
        <p className="alert info">Readers keep seeing the published text until you publish these edits.</p>
      )}
      <Editor key={`${article.id}-${article.version}`} article={article} etag={etag} categories={categories} />
    </section>
  );
}
