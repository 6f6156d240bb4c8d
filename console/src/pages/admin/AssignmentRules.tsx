// /admin/assignment: who gets new leads without an owner. Each rule deals its
// leads to its owners in turn (round robin), a territory rule only the leads of
// its countries, industries or sources; lower priorities are tried first.
// "Preview" shows what the edited rules would do to real leads before "Save".
import { useEffect, useMemo, useState } from "react";
import { Controller, useFieldArray, useForm, useWatch, type Control, type FieldErrors, type UseFormRegister } from "react-hook-form";
import { Link, useLoaderData, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, post, Problem, put } from "../../lib/api";
import { label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert, SelectField, TextField } from "../../components/forms";
import { OwnerSelect } from "../../components/records";
import { LEAD_SOURCES } from "../leads/lead";
import { placeRowErrors } from "./problems";
import { leadIds, LeaveGuard, previewLeadName, RulesChanges, type RulesState, type RulesVersion } from "./rules";

export interface AssignmentRule {
  id: string;
  name: string;
  priority: number;
  kind: "round_robin" | "territory";
  countries: string[];
  industries: string[];
  sources: string[];
  owners: string[];
  enabled: boolean;
}

interface Row {
  rule_id: string;
  name: string;
  priority: string;
  kind: string;
  countries: string;
  industries: string;
  sources: string[];
  owners: string[];
  enabled: boolean;
}

interface Values {
  rules: Row[];
}

const KINDS = [
  { value: "round_robin", label: "Round robin" },
  { value: "territory", label: "Territory" },
];

function toRow(rule: AssignmentRule): Row {
  return {
    rule_id: rule.id, name: rule.name, priority: String(rule.priority ?? 100), kind: rule.kind,
    countries: (rule.countries ?? []).join(", "), industries: (rule.industries ?? []).join(", "),
    sources: rule.sources ?? [], owners: rule.owners ?? [], enabled: rule.enabled !== false,
  };
}

function blank(): AssignmentRule {
  return { id: "", name: "", priority: 100, kind: "round_robin", countries: [], industries: [], sources: [], owners: [], enabled: true };
}

function list(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

function slug(text: string): string {
  return text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
}

function toRules(rows: Row[]): AssignmentRule[] {
  const taken = new Set(rows.map((r) => r.rule_id.trim()).filter(Boolean));
  return rows.map((row, index) => {
    let id = row.rule_id.trim();
    if (!id) {
      const base = slug(row.name) || `rule-${index + 1}`;
      id = base;
      for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
      taken.add(id);
    }
    const priority = row.priority.trim();
    const territory = row.kind === "territory";
    return {
      id, name: row.name.trim(), kind: row.kind as AssignmentRule["kind"],
      priority: (/^-?\d+$/.test(priority) ? Number(priority) : priority) as number,
      countries: territory ? list(row.countries).map((c) => c.toUpperCase()) : [],
      industries: territory ? list(row.industries) : [],
      sources: territory ? row.sources ?? [] : [],
      owners: row.owners ?? [], enabled: row.enabled,
    };
  });
}

export function describeAssignmentRule(rule: AssignmentRule): string {
  const where = [
    rule.countries?.length ? `countries ${rule.countries.join(", ")}` : "",
    rule.industries?.length ? `industries ${rule.industries.join(", ")}` : "",
    rule.sources?.length ? `sources ${rule.sources.map(label).join(", ")}` : "",
  ].filter(Boolean).join("; ");
  return `${rule.name} (priority ${rule.priority}): ${rule.kind === "territory" ? `leads of ${where || "nowhere"}` : "every lead"} → ${rule.owners.join(", ")} in turn${rule.enabled ? "" : " (off)"}`;
}

export async function assignmentLoader({ request }: LoaderFunctionArgs): Promise<RulesState<AssignmentRule>> {
  return get<RulesState<AssignmentRule>>("/leads/assignment-rules", undefined, request.signal);
}

function RuleCard({ index, control, register, errors, remove, editable }: {
  index: number;
  control: Control<Values>;
  register: UseFormRegister<Values>;
  errors: FieldErrors<Values>;
  remove: (index: number) => void;
  editable: boolean;
}) {
  const kind = useWatch({ control, name: `rules.${index}.kind` });
  const name = useWatch({ control, name: `rules.${index}.name` });
  const err = errors.rules?.[index];
  const title = `Rule ${index + 1}${name ? `: ${name}` : ""}`;
  return (
    <fieldset className="panel rule-card">
      <legend>{title}</legend>
      <div className="form-grid">
        <TextField label="Name" maxLength={200} error={err?.name?.message}
          {...register(`rules.${index}.name`, { validate: (v) => v.trim() !== "" || "Name the rule." })} />
        <TextField label="Id" maxLength={64} placeholder="made from the name" autoCapitalize="none" spellCheck={false}
          error={err?.rule_id?.message} {...register(`rules.${index}.rule_id`)} />
        <TextField label="Priority" type="number" min={0} max={10000} step={1} hint="Lower numbers are tried first."
          error={err?.priority?.message} {...register(`rules.${index}.priority`)} />
        <SelectField label="Kind" options={KINDS} error={err?.kind?.message}
          hint={kind === "territory" ? "Only leads of the countries, industries or sources below." : "Every lead."}
          {...register(`rules.${index}.kind`)} />
      </div>
      {kind === "territory" && (
        <div className="form-grid">
          <TextField label="Countries" placeholder="DE, AT, CH" autoCapitalize="characters" error={err?.countries?.message}
            hint="Two-letter ISO codes, separated by commas." {...register(`rules.${index}.countries`)} />
          <TextField label="Industries" placeholder="software, healthcare" error={err?.industries?.message}
            hint="Separated by commas." {...register(`rules.${index}.industries`)} />
          <fieldset className="checks">
            <legend>Sources</legend>
            {LEAD_SOURCES.map((source) => (
              <label key={source}>
                <input type="checkbox" value={source} {...register(`rules.${index}.sources`)} /> {label(source)}
              </label>
            ))}
            {err?.sources && <small className="field-error">{err.sources.message}</small>}
          </fieldset>
        </div>
      )}
      <Controller control={control} name={`rules.${index}.owners`}
        rules={{ validate: (v) => (v?.length ?? 0) > 0 || "Pick at least one owner." }}
        render={({ field, fieldState }) => (
          <OwnerSelect label="Owners, dealt leads in turn" multiple value={field.value ?? []} current={field.value}
            name={field.name} onBlur={field.onBlur} error={fieldState.error?.message ?? err?.owners?.message}
            hint="Pick one or more (Ctrl or ⌘ + click, or Shift + arrows)." className="owners"
            onChange={(e) => field.onChange(Array.from(e.currentTarget.selectedOptions, (o) => o.value))} />
        )} />
      <div className="actions">
        <label><input type="checkbox" {...register(`rules.${index}.enabled`)} /> Enabled</label>
        {editable && (
          <button type="button" className="secondary" onClick={() => remove(index)}>Remove {name ? `“${name}”` : `rule ${index + 1}`}</button>
        )}
      </div>
    </fieldset>
  );
}

interface AssignmentPreview {
  items: {
    lead_id: string;
    name: string | null;
    company: string | null;
    email: string | null;
    current: { owner: string | null };
    preview: { owner: string | null; rule_id: string | null; rule_name: string | null };
  }[];
}

export function AssignmentRules() {
  const state = useLoaderData() as RulesState<AssignmentRule>;
  const can = useCan();
  const editable = can("leads:admin");
  const revalidator = useRevalidator();
  const defaults = useMemo(() => ({ rules: state.rules.map(toRow) }), [state]);
  const { control, register, handleSubmit, setError, clearErrors, reset, getValues, watch, formState } = useForm<Values>({ defaultValues: defaults });
  const { fields, append, remove } = useFieldArray({ control, name: "rules" });
  const [general, setGeneral] = useState<string[]>([]);
  const [message, setMessage] = useState<string>();
  const [ids, setIds] = useState("");
  const [idsError, setIdsError] = useState<string>();
  const [preview, setPreview] = useState<{ answer: AssignmentPreview; rules: string } | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [reload, setReload] = useState(0);
  // Any edit after a preview makes it out of date.
  const [edited, setEdited] = useState(false);
  useEffect(() => {
    const subscription = watch(() => setEdited(true));
    return () => subscription.unsubscribe();
  }, [watch]);

  const refused = (e: unknown) => {
    setIdsError(e instanceof Problem ? Object.entries(e.errors).filter(([k]) => k.startsWith("lead_ids")).flatMap(([, m]) => m).join(" ") || undefined : undefined);
    setGeneral(placeRowErrors(e, setError, "rules",
      { id: "rule_id", name: "name", priority: "priority", kind: "kind", countries: "countries", industries: "industries",
        sources: "sources", owners: "owners", enabled: "enabled" },
      (i) => `Rule ${i + 1}`).filter((m) => !m.startsWith("lead_ids")));
  };

  const runPreview = async () => {
    clearErrors();
    setGeneral([]);
    setMessage(undefined);
    setIdsError(undefined);
    setPreviewing(true);
    const rules = toRules(getValues("rules"));
    try {
      const answer = await post<AssignmentPreview>("/leads/assignment-rules/preview", { rules, lead_ids: leadIds(ids) });
      setPreview({ answer, rules: JSON.stringify(rules) });
      setEdited(false);
    } catch (e) {
      setPreview(null);
      refused(e);
    } finally {
      setPreviewing(false);
    }
  };

  const save = async (values: Values) => {
    setGeneral([]);
    setMessage(undefined);
    try {
      const saved = await put<RulesState<AssignmentRule>>("/leads/assignment-rules", { rules: toRules(values.rules) });
      reset({ rules: saved.rules.map(toRow) });
      setPreview(null);
      setMessage("Saved. New leads without an owner are dealt by these rules from now on.");
      setReload((n) => n + 1);
      revalidator.revalidate();
    } catch (e) {
      refused(e);
    }
  };

  const editVersion = (version: RulesVersion<AssignmentRule>) => {
    reset({ rules: version.rules.map(toRow) }, { keepDefaultValues: true });
    setPreview(null);
    setMessage(`The rules of version ${version.version} are in the editor: preview them, then save to put them back in force.`);
  };

  const stale = preview && edited && preview.rules !== JSON.stringify(toRules(getValues("rules")));
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Assignment rules</h1>
          <p className="muted">
            A new lead without an owner goes to the first enabled rule (lowest priority) that matches it; the rule's owners
            get its leads in turn. No rule matches: the lead stays without an owner.
            {state.changed_at && <> Last changed {when(state.changed_at)} by {state.changed_by ?? "system"}.</>}
          </p>
        </div>
      </div>
      {!editable && <p className="alert info">You can read the rules; an admin changes them.</p>}
      {message && <p role="status" className="alert ok">{message}</p>}
      <LeaveGuard dirty={editable && formState.isDirty} />
      <form onSubmit={(event) => { clearErrors(); return handleSubmit(save)(event); }} noValidate aria-label="Assignment rules">
        <fieldset disabled={!editable} className="plain">
          <legend className="visually-hidden">The rules</legend>
          {fields.map((field, index) => (
            <RuleCard key={field.id} index={index} control={control} register={register} errors={formState.errors}
              remove={remove} editable={editable} />
          ))}
          {fields.length === 0 && <p className="panel muted">No rules: new leads without an owner stay without one.</p>}
        </fieldset>
        {editable && (
          <>
            <div className="actions">
              <button type="button" className="secondary" onClick={() => append(toRow(blank()))}>Add a rule</button>
            </div>
            <div className="toolbar">
              <TextField label="Try on these leads (optional)" value={ids} onChange={(e) => setIds(e.target.value)}
                error={idsError} hint="Lead ids or lead page addresses, up to 20; empty: the 5 newest leads." />
              <button type="button" className="secondary" onClick={runPreview} disabled={previewing}>
                {previewing ? "Previewing…" : "Preview"}
              </button>
            </div>
            <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
            {preview && (
              <section className="panel" aria-labelledby="preview-heading">
                <h2 id="preview-heading">Preview</h2>
                {stale && <p className="alert warn">The rules changed since this preview: preview again.</p>}
                <p className="muted">
                  Nothing is saved yet. Who each lead would go to as a new lead without an owner; turns are dealt in this
                  order, from each rule's first owner.
                </p>
                <div className="table-wrap">
                  <table className="list">
                    <caption className="visually-hidden">Owners with the edited rules</caption>
                    <thead>
                      <tr>
                        <th scope="col">Lead</th>
                        <th scope="col">Owner now</th>
                        <th scope="col">With these rules</th>
                        <th scope="col">Rule that matches</th>
                      </tr>
                    </thead>
                    <tbody>
                      {preview.answer.items.map((item) => (
                        <tr key={item.lead_id}>
                          <td data-label="Lead"><Link to={`/leads/${item.lead_id}`}>{previewLeadName(item)}</Link>
                            {item.company && item.name && <span className="muted"> · {item.company}</span>}</td>
                          <td data-label="Owner now">{item.current.owner ?? "nobody"}</td>
                          <td data-label="With these rules"><strong>{item.preview.owner ?? "nobody"}</strong></td>
                          <td data-label="Rule that matches">{item.preview.rule_name ?? <span className="muted">none</span>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {preview.answer.items.length === 0 && <p className="empty">There are no leads to try the rules on yet.</p>}
                </div>
              </section>
            )}
            <div className="actions">
              <button type="submit" disabled={formState.isSubmitting}>{formState.isSubmitting ? "Saving…" : "Save the rules"}</button>
              {formState.isDirty && (
                <button type="button" className="secondary" onClick={() => { reset(); setPreview(null); setGeneral([]); setMessage(undefined); }}>
                  Undo my edits
                </button>
              )}
              {formState.isDirty && <span className="muted">Unsaved edits.</span>}
            </div>
          </>
        )}
      </form>
      <RulesChanges<AssignmentRule> path="/leads/assignment-rules/changes" describeRule={describeAssignmentRule}
        onUse={editable ? editVersion : undefined} reload={reload} />
    </section>
  );
}
