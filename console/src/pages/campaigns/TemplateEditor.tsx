// /campaigns/templates/new and /campaigns/templates/:templateId: an email
// template's subject, HTML and text parts with the merge fields it may use;
// a preview made by the server for a real person (the HTML shown in a
// sandboxed frame: no script, no same-origin access), and a test send.
import { useState } from "react";
import { useForm } from "react-hook-form";
import { Link, useLoaderData, useNavigate, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { getWithEtag, post, request } from "../../lib/api";
import { useCan } from "../../lib/session";
import { applyProblem, FormAlert, TextArea, TextField } from "../../components/forms";
import { LeaveGuard } from "../admin/rules";
import { PersonPicker } from "./PersonPicker";
import { MERGE_FIELDS, personName, type Person, type Rendered, type Template } from "./campaign";
import "./campaigns.css";

export interface TemplateData {
  template: Template;
  etag?: string;
}

export async function templateLoader({ params, request: req }: LoaderFunctionArgs): Promise<TemplateData> {
  const answer = await getWithEtag<Template>(`/campaigns/templates/${params.templateId}`, req.signal);
  return { template: answer.data, etag: answer.etag };
}

interface Values {
  name: string;
  subject: string;
  html: string;
  text: string;
}

const FIELDS: (keyof Values)[] = ["name", "subject", "html", "text"];

function MergeHelp() {
  return (
    <details className="panel merge-help">
      <summary>Merge fields</summary>
      <p className="muted">Write <code>{"{{ person.first_name }}"}</code>; a field that is empty for someone prints nothing, or a fallback:
        <code>{' {{ person.first_name|default("there") }}'}</code>.</p>
      <dl className="facts">
        {MERGE_FIELDS.map((f) => <div key={f.name} className="fact"><dt><code>{`{{ ${f.name} }}`}</code></dt><dd>{f.about}</dd></div>)}
      </dl>
    </details>
  );
}

function Preview({ template }: { template: Template }) {
  const [person, setPerson] = useState<Person | null>(null);
  const [rendered, setRendered] = useState<Rendered>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const show = async (p: Person | null) => {
    setPerson(p);
    setRendered(undefined);
    setError(undefined);
    if (!p) return;
    setBusy(true);
    try {
      const answer = await request<Rendered>(`/campaigns/templates/${template.id}/preview`, { query: { person_id: p.id } });
      setRendered(answer.data);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="preview-heading" aria-busy={busy}>
      <h2 id="preview-heading">Preview</h2>
      <PersonPicker label="Preview for" value={person} onChange={show} hint="The saved template, filled in for this person." />
      <FormAlert error={error} />
      {rendered && person && (
        <div className="template-preview">
          <p><span className="muted">Subject:</span> <strong className="preview-subject">{rendered.subject}</strong></p>
          {rendered.html ? (
            // The server's rendering (merge fields escaped); the frame runs no script and has no access to the console.
            <iframe title={`The email's HTML for ${personName(person)}`} sandbox="" srcDoc={rendered.html} className="preview-frame" />
          ) : <p className="muted">No HTML part: people get the text below.</p>}
          <h3>Text part</h3>
          <pre className="preview-text">{rendered.text ?? ""}</pre>
        </div>
      )}
    </section>
  );
}

function TestSend({ template }: { template: Template }) {
  const [to, setTo] = useState("");
  const [person, setPerson] = useState<Person | null>(null);
  const [fieldError, setFieldError] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const send = async (event: React.FormEvent) => {
    event.preventDefault();
    setFieldError(undefined);
    setError(undefined);
    setDone(undefined);
    if (!/.+@.+\..+/.test(to.trim())) {
      setFieldError("The address to send the test to, e.g. you@example.com.");
      return;
    }
    try {
      await post(`/campaigns/templates/${template.id}/test-send`, { to: to.trim(), person_id: person?.id });
      setDone(`A test email is on its way to ${to.trim()}.`);
    } catch (e) {
      const rest = applyProblem(e, (name, err) => { if (name === "to") setFieldError(err.message); }, ["to"]);
      if (rest.length) setError(new Error(rest.join(" ")));
    }
  };
  return (
    <form onSubmit={send} noValidate className="panel" aria-label="Test send">
      <h2>Test send</h2>
      <TextField label="Send a test to" type="email" value={to} error={fieldError} onChange={(e) => setTo(e.target.value)} />
      <PersonPicker label="Filled in as" value={person} onChange={setPerson} hint="Optional: whose merge fields the test shows." />
      <div className="actions"><button type="submit">Send test</button></div>
      <FormAlert error={error} />
      {done && <p role="status" className="alert ok">{done}</p>}
    </form>
  );
}

function Editor({ template, etag }: { template?: Template; etag?: string }) {
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const can = useCan();
  const [general, setGeneral] = useState<string[]>([]);
  const [message, setMessage] = useState<string>();
  const [saved, setSaved] = useState(false);
  const { register, handleSubmit, setError, reset, formState } = useForm<Values>({
    defaultValues: { name: template?.name ?? "", subject: template?.subject ?? "", html: template?.html ?? "", text: template && !template.text_generated ? template.text : "" },
  });
  const errors = formState.errors;
  const writable = can("campaigns:write");
  const save = async (v: Values) => {
    setGeneral([]);
    setMessage(undefined);
    const body = { name: v.name.trim(), subject: v.subject, html: v.html || null, text: v.text || null };
    try {
      if (template) {
        const answer = await request<Template>(`/campaigns/templates/${template.id}`, { method: "PATCH", body, ifMatch: etag ?? `"${template.version}"` });
        reset(v);
        setMessage("Saved.");
        if (answer.data) revalidator.revalidate();
      } else {
        const made = await post<Template>("/campaigns/templates", body);
        setSaved(true);
        navigate(`/campaigns/templates/${made.id}`, { replace: true });
      }
    } catch (e) {
      setGeneral(applyProblem(e, setError, FIELDS));
    }
  };
  return (
    <form onSubmit={handleSubmit(save)} noValidate aria-label={template ? "Edit template" : "New template"} className="panel template-form">
      <LeaveGuard dirty={formState.isDirty && !saved && !formState.isSubmitting} what="the template" />
      <fieldset disabled={!writable} className="plain-fieldset">
        <TextField label="Name" maxLength={200} error={errors.name?.message} autoFocus={!template}
          {...register("name", { validate: (v) => v.trim() !== "" || "Name the template, e.g. Webinar invitation." })} />
        <TextField label="Subject" maxLength={300} error={errors.subject?.message}
          {...register("subject", { validate: (v) => v.trim() !== "" || "Write the subject line people see in their inbox." })} />
        <TextArea label="HTML part" rows={12} spellCheck={false} className="code" error={errors.html?.message}
          hint="The email's HTML. Include {{ unsubscribe_url }} in a link." {...register("html")} />
        <TextArea label="Text part" rows={8} error={errors.text?.message}
          hint={template?.text_generated ? "Made from the HTML part while this is empty; write one to choose the words yourself." : "For mail programs that show no HTML; left empty, it is made from the HTML part."}
          {...register("text")} />
      </fieldset>
      <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      {message && <p role="status" className="alert ok">{message}</p>}
      {writable && (
        <div className="actions">
          <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Saving…" : template ? "Save template" : "Create template"}</button>
          <Link className="button secondary" to="/campaigns/templates">Back to the templates</Link>
        </div>
      )}
    </form>
  );
}

export function NewTemplate() {
  return (
    <section>
      <h1>New template</h1>
      <div className="grid-2">
        <Editor />
        <aside><MergeHelp /></aside>
      </div>
    </section>
  );
}

export function EditTemplate() {
  const { template, etag } = useLoaderData() as TemplateData;
  const can = useCan();
  return (
    <section>
      <h1>{template.name}</h1>
      <div className="grid-2">
        <div>
          <Editor key={`${template.id}-${template.version}`} template={template} etag={etag} />
          <Preview template={template} />
        </div>
        <aside>
          <MergeHelp />
          {can("campaigns:write") && <TestSend template={template} />}
        </aside>
      </div>
    </section>
  );
}
