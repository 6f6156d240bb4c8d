// /segments/new and /segments/:segmentId/edit: the segment builder. Groups
// ("all of", "any of", "none of", "not all of") nest; each condition is a
// field of the people catalogue, an operator its type allows and a value; a
// row can instead name another segment ("is in" / "is not in"). The number
// of people the rule selects is asked for a moment after each edit (the last
// answer wins); the server's objections show beside the row they are about.
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useLoaderData, useNavigate, useRouteLoaderData, type LoaderFunctionArgs } from "react-router";
import { get, post, Problem, request } from "../../lib/api";
import { plural } from "../../lib/format";
import { FormAlert, TextArea, TextField } from "../../components/forms";
import { LeaveGuard } from "../admin/rules";
import { loadSegments, type Segment } from "./campaign";
import {
  buildRule, DAY_OPS, fieldCatalogue, LIST_OPS, LIST_SEP, newCondition, newGroup, newReference, NO_VALUE, nodeOfError,
  opLabel, parseRule, updateNode, type Condition, type FieldInfo, type Group, type GroupMode, type Reference, type RuleNode,
} from "./rules";
import type { SegmentData } from "./SegmentPage";
import "./campaigns.css";

const COUNT_DELAY_MS = 400;

interface BuilderData {
  fields: FieldInfo[];
  segments: Segment[];
}

export async function builderLoader({ request: req }: LoaderFunctionArgs): Promise<BuilderData> {
  const [fields, segments] = await Promise.all([
    get<unknown>("/campaigns/people/fields", undefined, req.signal).then(fieldCatalogue),
    loadSegments(req.signal).catch(() => [] as Segment[]),
  ]);
  return { fields, segments };
}

const MODES: { value: GroupMode; label: string }[] = [
  { value: "all", label: "all of these" },
  { value: "any", label: "any of these" },
  { value: "none", label: "none of these" },
  { value: "not_all", label: "not all of these" },
];

interface RowProps {
  fields: FieldInfo[];
  segments: Segment[];
  errors: Record<string, string[]>;
  change: (key: string, update: (node: RuleNode) => RuleNode | null) => void;
}

function ValueInput({ condition, field, change }: { condition: Condition; field?: FieldInfo; change: (c: Partial<Condition>) => void }) {
  const op = condition.op;
  if (NO_VALUE.has(op)) return null;
  const type = field?.type ?? "text";
  const name = field?.label ?? "the field";
  if (DAY_OPS.has(op)) {
    return (
      <label className="rule-value">
        <span className="visually-hidden">Days for {name}</span>
        <input type="number" min={0} step={1} value={condition.value} placeholder="days" onChange={(e) => change({ value: e.target.value })} />
      </label>
    );
  }
  if (type === "boolean") {
    return (
      <label className="rule-value">
        <span className="visually-hidden">Value of {name}</span>
        <select value={condition.value || "true"} onChange={(e) => change({ value: e.target.value })}>
          <option value="true">Yes</option>
          <option value="false">No</option>
        </select>
      </label>
    );
  }
  if (type === "choice" && field && field.values.length > 0) {
    if (LIST_OPS.has(op)) {
      const chosen = condition.value ? condition.value.split(LIST_SEP) : [];
      return (
        <label className="rule-value">
          <span className="visually-hidden">Values of {name}</span>
          <select multiple value={chosen} size={Math.min(4, field.values.length)}
            onChange={(e) => change({ value: Array.from(e.target.selectedOptions).map((o) => o.value).join(LIST_SEP) })}>
            {field.values.map((v) => <option key={v.value} value={v.value}>{v.label}</option>)}
          </select>
        </label>
      );
    }
    return (
      <label className="rule-value">
        <span className="visually-hidden">Value of {name}</span>
        <select value={condition.value} onChange={(e) => change({ value: e.target.value })}>
          <option value="">Choose…</option>
          {field.values.map((v) => <option key={v.value} value={v.value}>{v.label}</option>)}
        </select>
      </label>
    );
  }
  const inputType = type === "number" ? "number" : type === "date" || type === "timestamp" ? "date" : "text";
  const placeholder = LIST_OPS.has(op) ? "a, b, c" : inputType === "text" ? "value" : undefined;
  if (op === "between") {
    return (
      <span className="rule-value rule-between">
        <label><span className="visually-hidden">From (for {name})</span>
          <input type={inputType} value={condition.value} onChange={(e) => change({ value: e.target.value })} /></label>
        <span aria-hidden="true">and</span>
        <label><span className="visually-hidden">To (for {name})</span>
          <input type={inputType} value={condition.value2} onChange={(e) => change({ value2: e.target.value })} /></label>
      </span>
    );
  }
  return (
    <label className="rule-value">
      <span className="visually-hidden">Value of {name}</span>
      <input type={inputType} value={condition.value} placeholder={placeholder} onChange={(e) => change({ value: e.target.value })} />
    </label>
  );
}

function ConditionRow({ condition, fields, errors, change, index }: RowProps & { condition: Condition; index: number }) {
  const field = fields.find((f) => f.name === condition.field);
  const set = (part: Partial<Condition>) => change(condition.key, (node) => ({ ...(node as Condition), ...part }));
  const messages = errors[condition.key];
  const chooseField = (name: string) => {
    const next = fields.find((f) => f.name === name);
    const op = next && next.operators.includes(condition.op) ? condition.op : next?.operators[0] ?? "eq";
    set({ field: name, op, value: next?.type === "boolean" ? "true" : "", value2: "" });
  };
  return (
    <li className={messages ? "rule-row invalid" : "rule-row"} aria-label={`Condition ${index + 1}`}>
      <div className="rule-controls">
        <label>
          <span className="visually-hidden">Field</span>
          <select value={condition.field} onChange={(e) => chooseField(e.target.value)} aria-invalid={messages ? true : undefined}>
            <option value="">Choose a field…</option>
            {fields.map((f) => <option key={f.name} value={f.name}>{f.label}</option>)}
          </select>
        </label>
        <label>
          <span className="visually-hidden">Operator</span>
          <select value={condition.op} onChange={(e) => set({ op: e.target.value, value: NO_VALUE.has(e.target.value) ? "" : condition.value })}
            disabled={!field}>
            {(field?.operators ?? [condition.op]).map((op) => <option key={op} value={op}>{opLabel(op, field?.type)}</option>)}
          </select>
        </label>
        <ValueInput condition={condition} field={field} change={set} />
        <button type="button" className="link" onClick={() => change(condition.key, () => null)}
          aria-label={`Remove condition ${index + 1}${field ? ` (${field.label})` : ""}`}>
          Remove
        </button>
      </div>
      {messages && <small className="field-error" role="alert">{messages.join(" ")}</small>}
    </li>
  );
}

function ReferenceRow({ reference, segments, errors, change, index, selfId }: RowProps & { reference: Reference; index: number; selfId?: string }) {
  const set = (part: Partial<Reference>) => change(reference.key, (node) => ({ ...(node as Reference), ...part }));
  const messages = errors[reference.key];
  return (
    <li className={messages ? "rule-row invalid" : "rule-row"} aria-label={`Condition ${index + 1}`}>
      <div className="rule-controls">
        <label>
          <span className="visually-hidden">In or not in</span>
          <select value={reference.negate ? "out" : "in"} onChange={(e) => set({ negate: e.target.value === "out" })}>
            <option value="in">Is in the segment</option>
            <option value="out">Is not in the segment</option>
          </select>
        </label>
        <label>
          <span className="visually-hidden">Segment</span>
          <select value={reference.segment} onChange={(e) => set({ segment: e.target.value })} aria-invalid={messages ? true : undefined}>
            <option value="">Choose a segment…</option>
            {segments.filter((s) => s.id !== selfId).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </label>
        <button type="button" className="link" onClick={() => change(reference.key, () => null)} aria-label={`Remove condition ${index + 1} (segment)`}>
          Remove
        </button>
      </div>
      {messages && <small className="field-error" role="alert">{messages.join(" ")}</small>}
    </li>
  );
}

function GroupBox({ group, depth, selfId, ...props }: RowProps & { group: Group; depth: number; selfId?: string }) {
  const { fields, change, errors } = props;
  const add = (node: RuleNode) => change(group.key, (g) => ({ ...(g as Group), children: [...(g as Group).children, node] }));
  const title = depth === 0 ? "People who match" : "A group that matches";
  return (
    <fieldset className={`rule-group depth-${Math.min(depth, 3)}`}>
      <legend>
        <span>{title} </span>
        <label>
          <span className="visually-hidden">{depth === 0 ? "How the conditions combine" : `How group conditions combine (level ${depth + 1})`}</span>
          <select value={group.mode} onChange={(e) => change(group.key, (g) => ({ ...(g as Group), mode: e.target.value as GroupMode }))}>
            {MODES.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
          </select>
        </label>
      </legend>
      {errors[group.key] && <small className="field-error" role="alert">{errors[group.key].join(" ")}</small>}
      {group.children.length === 0 && <p className="muted">{depth === 0 ? "No condition yet: everyone marketing can reach." : "An empty group is left out."}</p>}
      <ul className="rule-list">
        {group.children.map((child, index) =>
          child.kind === "condition" ? <ConditionRow key={child.key} condition={child} index={index} {...props} />
            : child.kind === "segment" ? <ReferenceRow key={child.key} reference={child} index={index} selfId={selfId} {...props} />
              : (
                <li key={child.key} className="rule-nested">
                  <GroupBox group={child} depth={depth + 1} selfId={selfId} {...props} />
                </li>
              ))}
      </ul>
      <div className="actions rule-add">
        <button type="button" className="secondary" onClick={() => add(newCondition(fields[0]))}>Add condition</button>
        <button type="button" className="secondary" onClick={() => add(newGroup("any", [newCondition(fields[0])]))}>Add group</button>
        <button type="button" className="secondary" onClick={() => add(newReference())}>Add segment</button>
        {depth > 0 && (
          <button type="button" className="link" onClick={() => change(group.key, () => null)}>Remove this group</button>
        )}
      </div>
    </fieldset>
  );
}

interface CountState {
  count: number | null;
  busy: boolean;
  problem?: Problem | Error;
}

/** The number of people the rule selects, asked a moment after the last edit (older answers are dropped). */
function useLiveCount(rule: unknown | null): CountState {
  const [state, setState] = useState<CountState>({ count: null, busy: false });
  const latest = useRef(0);
  const text = JSON.stringify(rule ?? { all: [] });
  useEffect(() => {
    const controller = new AbortController();
    const call = ++latest.current;
    setState((old) => ({ ...old, busy: true }));
    const timer = window.setTimeout(async () => {
      try {
        const answer = await post<{ count: number }>("/campaigns/segments/count", { rule: JSON.parse(text) }, controller.signal);
        if (call === latest.current) setState({ count: answer.count, busy: false });
      } catch (error) {
        if (controller.signal.aborted || call !== latest.current) return;
        setState((old) => ({ count: old.count, busy: false, problem: error instanceof Error ? error : new Error(String(error)) }));
      }
    }, COUNT_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [text]);
  return state;
}

function Builder({ segment, etag, fields, segments }: { segment?: Segment; etag?: string; fields: FieldInfo[]; segments: Segment[] }) {
  const navigate = useNavigate();
  const [root, setRoot] = useState<Group>(() => (segment ? parseRule(segment.rule) : newGroup("all", [])));
  const [name, setName] = useState(segment?.name ?? "");
  const [description, setDescription] = useState(segment?.description ?? "");
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [nameError, setNameError] = useState<string>();
  const [saveProblem, setSaveProblem] = useState<unknown>();
  const [general, setGeneral] = useState<string[]>([]);
  const built = useMemo(() => buildRule(root, fields), [root, fields]);
  const live = useLiveCount(built.rule);

  // The server's objections (to the count or to saving) placed on the rows they name.
  const [saveErrors, setSaveErrors] = useState<Record<string, string[]>>({});
  const rowErrors = useMemo(() => {
    const out: Record<string, string[]> = {};
    const place = (errors: Record<string, string[]>) => {
      for (const [path, messages] of Object.entries(errors)) {
        if (!path.startsWith("rule")) continue;
        const at = nodeOfError(path, built.paths);
        if (at) (out[at.key] ??= []).push(...messages);
      }
    };
    if (live.problem instanceof Problem) place(live.problem.errors);
    place(saveErrors);
    return out;
  }, [live.problem, saveErrors, built.paths]);

  const change = (key: string, update: (node: RuleNode) => RuleNode | null) => {
    setRoot((old) => updateNode(old, key, update));
    setDirty(true);
    setSaveErrors({});
  };

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    setNameError(undefined);
    setSaveProblem(undefined);
    setGeneral([]);
    if (!name.trim()) {
      setNameError("Name the segment, e.g. German CTOs with open pipeline.");
      return;
    }
    setSaving(true);
    const body = { name: name.trim(), description: description.trim() || null, rule: built.rule ?? { all: [] } };
    try {
      let id = segment?.id;
      if (segment) {
        await request(`/campaigns/segments/${segment.id}`, { method: "PATCH", body, ifMatch: etag ?? `"${segment.version}"` });
      } else {
        id = (await post<Segment>("/campaigns/segments", body)).id;
      }
      setSaved(true);
      navigate(`/segments/${id}`, { replace: !segment, state: { message: segment ? "Segment saved: its members were brought up to date." : "Segment created." } });
    } catch (e) {
      if (e instanceof Problem) {
        const rest: string[] = [];
        const ruleErrors: Record<string, string[]> = {};
        for (const [path, messages] of Object.entries(e.errors)) {
          if (path === "name") setNameError(messages.join(" "));
          else if (path.startsWith("rule")) ruleErrors[path] = messages;
          else rest.push(...messages);
        }
        setSaveErrors(ruleErrors);
        if (Object.keys(e.errors).length === 0 || rest.length) setSaveProblem(rest.length ? new Error(rest.join(" ")) : e);
        if (Object.keys(ruleErrors).length && !Object.keys(ruleErrors).some((p) => nodeOfError(p, built.paths))) {
          setGeneral(Object.values(ruleErrors).flat());
        }
      } else {
        setSaveProblem(e);
      }
    } finally {
      setSaving(false);
    }
  };

  const countText = live.count === null ? "Counting…" : `${plural(live.count, "person", "people")} match${live.count === 1 ? "es" : ""}`;
  const countProblem = live.problem && !(live.problem instanceof Problem && Object.keys(live.problem.errors).some((p) => p.startsWith("rule")))
    ? live.problem : undefined;
  return (
    <form onSubmit={save} noValidate aria-label={segment ? "Edit segment" : "New segment"} className="segment-builder">
      <LeaveGuard dirty={dirty && !saved && !saving} what="the segment" />
      <div className="builder-head">
        <div className="form-grid">
          <TextField label="Name" value={name} maxLength={200} error={nameError} autoFocus={!segment}
            onChange={(e) => { setName(e.target.value); setDirty(true); }} />
          <TextArea label="Description" rows={2} value={description} onChange={(e) => { setDescription(e.target.value); setDirty(true); }} />
        </div>
        <div className="live-count panel" aria-busy={live.busy}>
          <span className="muted">Live count</span>
          <strong role="status" aria-live="polite" aria-atomic="true" className="live-count-value">{countText}</strong>
          {built.incomplete > 0 && (
            <small className="muted">{plural(built.incomplete, "unfinished condition")} not counted yet.</small>
          )}
          {countProblem && <small className="field-error">The count cannot be made right now: {countProblem.message}</small>}
        </div>
      </div>
      <GroupBox group={root} depth={0} fields={fields} segments={segments} errors={rowErrors} change={change} selfId={segment?.id} />
      <FormAlert error={saveProblem}>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
      <div className="actions">
        <button type="submit" disabled={saving}>{saving ? "Saving…" : segment ? "Save segment" : "Create segment"}</button>
        <Link className="button secondary" to={segment ? `/segments/${segment.id}` : "/segments"}>Cancel</Link>
      </div>
    </form>
  );
}

export function NewSegment() {
  const { fields, segments } = useLoaderData() as BuilderData;
  return (
    <section>
      <h1>New segment</h1>
      <p className="muted">Describe who belongs in it: its members follow the rule as people change, without a rebuild.</p>
      <Builder fields={fields} segments={segments} />
    </section>
  );
}

export function EditSegment() {
  const { fields, segments } = useLoaderData() as BuilderData;
  const { segment, etag } = useRouteLoaderData("segment") as SegmentData;
  return (
    <section>
      <h1>Edit “{segment.name}”</h1>
      <Builder key={`${segment.id}-${segment.version}`} segment={segment} etag={etag} fields={fields} segments={segments} />
    </section>
  );
}
