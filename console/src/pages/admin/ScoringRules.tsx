// /admin/scoring: the lead scoring rules as an editable table; "Preview" tries
// the edited rules on real leads (their score now beside the new one, and the
// rules that match) before "Save" puts them in force; the changes history.
import { useEffect, useId, useMemo, useState } from "react";
import { useFieldArray, useForm, useWatch, type Control, type UseFormRegister, type FieldErrors } from "react-hook-form";
import { Link, useLoaderData, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, post, Problem, put } from "../../lib/api";
import { when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert, TextField } from "../../components/forms";
import { Cell } from "./Cell";
import { placeRowErrors } from "./problems";
import { leadIds, LeaveGuard, previewLeadName, RulesChanges, type RulesState, type RulesVersion } from "./rules";

export interface ScoringRule {
  id: string;
  name: string;
  field: string;
  operator: string;
  value: unknown;
  points: number;
  enabled: boolean;
}

// The lead fields a rule may look at (shared/schemas/leads.py SCORABLE_FIELDS), or attributes.<key>.
const FIELDS = ["first_name", "last_name", "email", "phone", "company", "title", "industry", "country", "company_size",
  "source", "campaign_id", "notes", "status", "owner", "score", "engagement", "created_at", "updated_at", "merged_into"];
const NUMERIC_FIELDS = new Set(["company_size", "score", "engagement"]);

const OPERATORS: { value: string; label: string; hint: string }[] = [
  { value: "eq", label: "equals", hint: "One value, e.g. DE." },
  { value: "in", label: "is one of", hint: "Values separated by commas." },
  { value: "contains_any", label: "contains any of the words", hint: "Words or phrases separated by commas." },
  { value: "gte", label: "is at least", hint: "A number." },
  { value: "lte", label: "is at most", hint: "A number." },
  { value: "between", label: "is between", hint: "Two numbers, lowest first." },
  { value: "present", label: "is given", hint: "" },
  { value: "engagement", label: "engagement (points per event, up to)", hint: "The most points, 0 to 100." },
];
const OPERATOR_LABEL = Object.fromEntries(OPERATORS.map((o) => [o.value, o.label]));

interface Row {
  rule_id: string;
  name: string;
  field: string;
  operator: string;
  value: string;
  lo: string;
  hi: string;
  points: string;
  enabled: boolean;
  /** The rule's operator and value as loaded, kept exactly when their text is not edited. */
  original: string;
}

interface Values {
  rules: Row[];
}

function valueText(operator: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return operator === "between" ? "" : value.map(String).join(", ");
  return String(value);
}

function toRow(rule: ScoringRule): Row {
  const pair = rule.operator === "between" && Array.isArray(rule.value) ? rule.value : [];
  return {
    rule_id: rule.id, name: rule.name, field: rule.field, operator: rule.operator,
    value: valueText(rule.operator, rule.value), lo: pair[0] === undefined ? "" : String(pair[0]),
    hi: pair[1] === undefined ? "" : String(pair[1]), points: String(rule.points), enabled: rule.enabled !== false,
    original: JSON.stringify({ operator: rule.operator, value: rule.value }),
  };
}

const NUMBER = /^-?\d+(\.\d+)?$/;

function numberOr(text: string): number | string {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : t;
}

/** A typed value as the API wants it: numbers for number fields, true/false for attributes. */
function scalar(text: string, field: string): string | number | boolean {
  const t = text.trim();
  if (NUMERIC_FIELDS.has(field) && NUMBER.test(t)) return Number(t);
  if (field.startsWith("attributes.")) {
    if (NUMBER.test(t)) return Number(t);
    if (t === "true" || t === "false") return t === "true";
  }
  return t;
}

function list(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

function valueOf(row: Row): unknown {
  const original = JSON.parse(row.original || "{}") as { operator?: string; value?: unknown };
  if (original.operator === row.operator) {
    const before = toRow({ ...blank(), operator: row.operator, value: original.value });
    const unchanged = row.operator === "between"
      ? before.lo === row.lo.trim() && before.hi === row.hi.trim()
      : before.value === row.value.trim();
    if (unchanged) return original.value;
  }
  switch (row.operator) {
    case "present": return null;
    case "eq": return scalar(row.value, row.field.trim());
    case "in": return list(row.value).map((v) => scalar(v, row.field.trim()));
    case "contains_any": return list(row.value);
    case "between": return [numberOr(row.lo), numberOr(row.hi)];
    default: return numberOr(row.value);
  }
}

function blank(): ScoringRule {
  return { id: "", name: "", field: "", operator: "eq", value: null, points: 0, enabled: true };
}

function slug(text: string): string {
  return text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
}

/** The rules as the API takes them; a new rule without an id gets one made from its name. */
function toRules(rows: Row[]): ScoringRule[] {
  const taken = new Set(rows.map((r) => r.rule_id.trim()).filter(Boolean));
  return rows.map((row, index) => {
    let id = row.rule_id.trim();
    if (!id) {
      const base = slug(row.name) || `rule-${index + 1}`;
      id = base;
      for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
      taken.add(id);
    }
    const points = row.points.trim();
    return {
      id, name: row.name.trim(), field: row.field.trim(), operator: row.operator, value: valueOf(row),
      points: (NUMBER.test(points) ? Number(points) : points) as number, enabled: row.enabled,
    };
  });
}

export function describeScoringRule(rule: ScoringRule): string {
  const value = rule.operator === "present" ? "" : rule.operator === "between" && Array.isArray(rule.value)
    ? ` ${rule.value[0]} and ${rule.value[1]}` : ` ${valueText(rule.operator, rule.value)}`;
  const points = rule.operator === "engagement" ? `${rule.points} points per event, at most ${String(rule.value)}` : `${rule.points > 0 ? "+" : ""}${rule.points} points`;
  return `${rule.name}: ${rule.field} ${OPERATOR_LABEL[rule.operator] ?? rule.operator}${rule.operator === "engagement" ? "" : value} → ${points}${rule.enabled ? "" : " (off)"}`;
}

export async function scoringLoader({ request }: LoaderFunctionArgs): Promise<RulesState<ScoringRule>> {
  return get<RulesState<ScoringRule>>("/leads/scoring-rules", undefined, request.signal);
}

function RuleRow({ index, count, control, register, errors, move, remove, editable }: {
  index: number;
  count: number;
  control: Control<Values>;
  register: UseFormRegister<Values>;
  errors: FieldErrors<Values>;
  move: (from: number, to: number) => void;
  remove: (index: number) => void;
  editable: boolean;
}) {
  const operator = useWatch({ control, name: `rules.${index}.operator` });
  const name = useWatch({ control, name: `rules.${index}.name` });
  const err = errors.rules?.[index];
  const row = `rule ${index + 1}`;
  const of = ` of ${row}`;
  const rangeError = useId();
  const hint = OPERATORS.find((o) => o.value === operator)?.hint;
  return (
    <tr>
      <Cell column="On" row={row} error={err?.enabled?.message}>
        {(aria) => <input type="checkbox" {...aria} {...register(`rules.${index}.enabled`)} />}
      </Cell>
      <Cell column="Name" row={row} error={err?.name?.message}>
        {(aria) => <input {...aria} maxLength={200} {...register(`rules.${index}.name`, { required: "Name the rule.", validate: (v) => v.trim() !== "" || "Name the rule." })} />}
      </Cell>
      <Cell column="Id" row={row} error={err?.rule_id?.message}>
        {(aria) => <input {...aria} maxLength={64} placeholder="made from the name" autoCapitalize="none" spellCheck={false}
          className="rule-id" {...register(`rules.${index}.rule_id`)} />}
      </Cell>
      <Cell column="Lead field" row={row} error={err?.field?.message}>
        {(aria) => <input {...aria} list="scoring-fields" maxLength={100} autoCapitalize="none" spellCheck={false}
          {...register(`rules.${index}.field`, { required: "Pick a lead field, or attributes.<key>." })} />}
      </Cell>
      <Cell column="Operator" row={row} error={err?.operator?.message}>
        {(aria) => (
          <select {...aria} {...register(`rules.${index}.operator`)}>
            {OPERATORS.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
          </select>
        )}
      </Cell>
      {operator === "between" ? (
        <td data-label="Value">
          <span className="range">
            <input aria-label={`From${of}`} inputMode="decimal" aria-invalid={err?.value ? true : undefined}
              aria-describedby={err?.value ? rangeError : undefined} {...register(`rules.${index}.lo`)} />
            <span aria-hidden="true">–</span>
            <input aria-label={`To${of}`} inputMode="decimal" aria-invalid={err?.value ? true : undefined}
              aria-describedby={err?.value ? rangeError : undefined} {...register(`rules.${index}.hi`)} />
          </span>
          {err?.value && <small id={rangeError} className="field-error">{err.value.message}</small>}
        </td>
      ) : operator === "present" ? (
        <td data-label="Value"><span className="muted">(no value)</span></td>
      ) : (
        <Cell column="Value" row={row} error={err?.value?.message}>
          {(aria) => <input {...aria} title={hint} placeholder={hint} {...register(`rules.${index}.value`)} />}
        </Cell>
      )}
      <Cell column="Points" row={row} error={err?.points?.message} className="num">
        {(aria) => <input {...aria} type="number" min={-100} max={100} step={1} className="points" {...register(`rules.${index}.points`)} />}
      </Cell>
      {editable && (
        <td data-label="Order" className="row-actions">
          <button type="button" className="secondary" disabled={index === 0} onClick={() => move(index, index - 1)}
            aria-label={`Move “${name || `rule ${index + 1}`}” up`}>↑</button>
          <button type="button" className="secondary" disabled={index === count - 1} onClick={() => move(index, index + 1)}
            aria-label={`Move “${name || `rule ${index + 1}`}” down`}>↓</button>
          <button type="button" className="secondary" onClick={() => remove(index)}
            aria-label={`Remove “${name || `rule ${index + 1}`}”`}>Remove</button>
        </td>
      )}
    </tr>
  );
}

interface ScoringPreview {
  items: {
    lead_id: string;
    name: string | null;
    company: string | null;
    email: string | null;
    current: { score: number };
    preview: { score: number; rules: { rule_id: string; name: string; points: number }[] };
  }[];
}

export function ScoringRules() {
  const state = useLoaderData() as RulesState<ScoringRule>;
  const can = useCan();
  const editable = can("leads:admin");
  const revalidator = useRevalidator();
  const defaults = useMemo(() => ({ rules: state.rules.map(toRow) }), [state]);
  const { control, register, handleSubmit, setError, clearErrors, reset, getValues, watch, formState } = useForm<Values>({ defaultValues: defaults });
  const { fields, append, move, remove } = useFieldArray({ control, name: "rules" });
  const [general, setGeneral] = useState<string[]>([]);
  const [message, setMessage] = useState<string>();
  const [ids, setIds] = useState("");
  const [idsError, setIdsError] = useState<string>();
  const [preview, setPreview] = useState<{ answer: ScoringPreview; rules: string } | null>(null);
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
      { id: "rule_id", name: "name", field: "field", operator: "operator", value: "value", points: "points", enabled: "enabled" },
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
      const answer = await post<ScoringPreview>("/leads/scoring-rules/preview", { rules, lead_ids: leadIds(ids) });
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
      const saved = await put<RulesState<ScoringRule>>("/leads/scoring-rules", { rules: toRules(values.rules) });
      reset({ rules: saved.rules.map(toRow) });
      setPreview(null);
      setMessage("Saved. Every lead is rescored in the background with these rules.");
      setReload((n) => n + 1);
      revalidator.revalidate();
    } catch (e) {
      refused(e);
    }
  };

  const editVersion = (version: RulesVersion<ScoringRule>) => {
    reset({ rules: version.rules.map(toRow) }, { keepDefaultValues: true });
    setPreview(null);
    setMessage(`The rules of version ${version.version} are in the editor: preview them, then save to put them back in force.`);
  };

  const stale = preview && edited && preview.rules !== JSON.stringify(toRules(getValues("rules")));
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Scoring rules</h1>
          <p className="muted">
            A lead's score is the points of the rules it matches, 0 to 100, in rule order.
            {state.changed_at ? <> Last changed {when(state.changed_at)} by {state.changed_by ?? "system"}.</> : " The defaults are in force."}
          </p>
        </div>
      </div>
      {!editable && <p className="alert info">You can read the rules; an admin changes them.</p>}
      {message && <p role="status" className="alert ok">{message}</p>}
      <LeaveGuard dirty={editable && formState.isDirty} />
      <form onSubmit={(event) => { clearErrors(); return handleSubmit(save)(event); }} noValidate aria-label="Scoring rules">
        <datalist id="scoring-fields">
          {FIELDS.map((f) => <option key={f} value={f} />)}
          <option value="attributes." />
        </datalist>
        <fieldset disabled={!editable} className="plain">
          <legend className="visually-hidden">The rules, in order</legend>
          <div className="table-wrap">
            <table className="list edit-table rules-table">
              <caption className="visually-hidden">Scoring rules</caption>
              <thead>
                <tr>
                  <th scope="col">On</th>
                  <th scope="col">Name</th>
                  <th scope="col">Id</th>
                  <th scope="col">Lead field</th>
                  <th scope="col">Operator</th>
                  <th scope="col">Value</th>
                  <th scope="col" className="num">Points</th>
                  {editable && <th scope="col"><span className="visually-hidden">Order</span></th>}
                </tr>
              </thead>
              <tbody>
                {fields.map((field, index) => (
                  <RuleRow key={field.id} index={index} count={fields.length} control={control} register={register}
                    errors={formState.errors} move={move} remove={remove} editable={editable} />
                ))}
              </tbody>
            </table>
            {fields.length === 0 && <p className="empty">No rules: every lead scores 0.</p>}
          </div>
        </fieldset>
        {editable && (
          <>
            <div className="actions">
              <button type="button" className="secondary" onClick={() => append(toRow(blank()))}>Add a rule</button>
            </div>
            <p className="muted">
              Value: one value for “equals”; values separated by commas for “is one of” and “contains any of the words”;
              a lead's own attributes are <code>attributes.&lt;key&gt;</code>.
            </p>
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
                <p className="muted">Nothing is saved yet. The score these rules would give, beside the score now.</p>
                <div className="table-wrap">
                  <table className="list">
                    <caption className="visually-hidden">Scores with the edited rules</caption>
                    <thead>
                      <tr>
                        <th scope="col">Lead</th>
                        <th scope="col" className="num">Score now</th>
                        <th scope="col" className="num">With these rules</th>
                        <th scope="col">Rules that match</th>
                      </tr>
                    </thead>
                    <tbody>
                      {preview.answer.items.map((item) => {
                        const change = item.preview.score - item.current.score;
                        return (
                          <tr key={item.lead_id}>
                            <td data-label="Lead"><Link to={`/leads/${item.lead_id}`}>{previewLeadName(item)}</Link>
                              {item.company && item.name && <span className="muted"> · {item.company}</span>}</td>
                            <td data-label="Score now" className="num">{item.current.score}</td>
                            <td data-label="With these rules" className="num">
                              <strong>{item.preview.score}</strong>
                              {change !== 0 && <span className={change > 0 ? "delta up" : "delta down"}> ({change > 0 ? "+" : ""}{change})</span>}
                            </td>
                            <td data-label="Rules that match">
                              {item.preview.rules.length === 0 ? <span className="muted">none</span> : (
                                <ul className="matched">
                                  {item.preview.rules.map((r) => <li key={r.rule_id}>{r.name} ({r.points > 0 ? "+" : ""}{r.points})</li>)}
                                </ul>
                              )}
                            </td>
                          </tr>
                        );
                      })}
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
      <RulesChanges<ScoringRule> path="/leads/scoring-rules/changes" describeRule={describeScoringRule}
        onUse={editable ? editVersion : undefined} reload={reload} />
    </section>
  );
}
