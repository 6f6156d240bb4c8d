// /admin/pipelines, /admin/pipelines/new and /admin/pipelines/:pipelineId:
// the sales pipelines and their stages (name, win probability, open/won/lost,
// forecast category, allowed next stages), in board order.
import { useMemo, useState } from "react";
import { useFieldArray, useForm, useWatch, type Control, type FieldErrors, type UseFormRegister } from "react-hook-form";
import { Link, useLoaderData, useNavigate, useRevalidator, type LoaderFunctionArgs } from "react-router";
import { get, getWithEtag, Problem, request } from "../../lib/api";
import { label, when } from "../../lib/format";
import { useCan } from "../../lib/session";
import { FormAlert, TextField } from "../../components/forms";
import { Cell } from "./Cell";
import { placeRowErrors } from "./problems";
import { LeaveGuard } from "./rules";

export interface Stage {
  key: string;
  name: string;
  position: number;
  probability: number;
  category: "open" | "won" | "lost";
  forecast_category: string;
  next_stages: string[] | null;
}

export interface Pipeline {
  id: string;
  name: string;
  is_default: boolean;
  changed_by?: string | null;
  stages: Stage[];
  version: number;
  created_at: string;
  updated_at: string;
}

const CATEGORIES = [
  { value: "open", label: "Open" },
  { value: "won", label: "Won" },
  { value: "lost", label: "Lost" },
];
const FORECAST_CATEGORIES = ["pipeline", "best_case", "commit", "closed", "omitted"];
const DEFAULT_FORECAST: Record<string, string> = { open: "pipeline", won: "closed", lost: "omitted" };

export async function pipelinesLoader({ request: req }: LoaderFunctionArgs): Promise<Pipeline[]> {
  return get<{ items: Pipeline[] }>("/pipelines", undefined, req.signal).then((answer) => answer.items);
}

export function PipelineList() {
  const pipelines = useLoaderData() as Pipeline[];
  const can = useCan();
  return (
    <section>
      <div className="page-head">
        <h1>Pipelines</h1>
        {can("sales:admin") && <div className="actions"><Link className="button" to="/admin/pipelines/new">New pipeline</Link></div>}
      </div>
      <div className="cards">
        {pipelines.map((pipeline) => (
          <section key={pipeline.id} className="panel" aria-labelledby={`pipeline-${pipeline.id}`}>
            <h2 id={`pipeline-${pipeline.id}`}>
              <Link to={`/admin/pipelines/${pipeline.id}`}>{pipeline.name}</Link>
              {pipeline.is_default && <> <span className="badge new">Default</span></>}
            </h2>
            <p className="muted">Id <code>{pipeline.id}</code> · {pipeline.stages.length} stages · changed {when(pipeline.updated_at)}
              {pipeline.changed_by && <> by {pipeline.changed_by}</>}</p>
            <ol className="stage-list">
              {pipeline.stages.map((stage) => (
                <li key={stage.key}>
                  {stage.name} <span className={`badge ${stage.category}`}>{label(stage.category)}</span>{" "}
                  <span className="muted">{stage.probability}%</span>
                </li>
              ))}
            </ol>
          </section>
        ))}
      </div>
      {pipelines.length === 0 && <p className="muted">No pipelines yet.</p>}
    </section>
  );
}

interface StageRow {
  stage_key: string;
  name: string;
  probability: string;
  category: string;
  forecast_category: string;
  next_stages: string;
  /** Stored already: its key stays for its life. */
  stored: boolean;
}

interface Values {
  id: string;
  name: string;
  is_default: boolean;
  stages: StageRow[];
}

function toRow(stage: Stage): StageRow {
  return {
    stage_key: stage.key, name: stage.name, probability: String(stage.probability), category: stage.category,
    forecast_category: stage.forecast_category, next_stages: (stage.next_stages ?? []).join(", "), stored: true,
  };
}

function newRow(category = "open", probability = "10"): StageRow {
  return { stage_key: "", name: "", probability, category, forecast_category: "", next_stages: "", stored: false };
}

function slug(text: string): string {
  return text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 60);
}

function toBody(values: Values, creating: boolean) {
  const taken = new Set(values.stages.map((s) => s.stage_key.trim()).filter(Boolean));
  const stages = values.stages.map((row, index) => {
    let key = row.stage_key.trim();
    if (!key) {
      const base = slug(row.name) || `stage_${index + 1}`;
      key = base;
      for (let n = 2; taken.has(key); n++) key = `${base}_${n}`;
      taken.add(key);
    }
    const probability = row.probability.trim();
    const next = row.next_stages.split(",").map((s) => s.trim()).filter(Boolean);
    const stage: Record<string, unknown> = {
      key, name: row.name.trim(), category: row.category,
      probability: /^\d+$/.test(probability) ? Number(probability) : probability,
      next_stages: next.length ? next : null,
    };
    if (row.forecast_category) stage.forecast_category = row.forecast_category;
    return stage;
  });
  const body: Record<string, unknown> = { name: values.name.trim(), stages };
  if (creating) body.id = values.id.trim();
  if (creating || values.is_default) body.is_default = values.is_default;
  return body;
}

function StageRowFields({ index, count, control, register, errors, move, remove, editable }: {
  index: number;
  count: number;
  control: Control<Values>;
  register: UseFormRegister<Values>;
  errors: FieldErrors<Values>;
  move: (from: number, to: number) => void;
  remove: (index: number) => void;
  editable: boolean;
}) {
  const name = useWatch({ control, name: `stages.${index}.name` });
  const category = useWatch({ control, name: `stages.${index}.category` });
  const stored = useWatch({ control, name: `stages.${index}.stored` });
  const err = errors.stages?.[index];
  const row = `stage ${index + 1}`;
  const title = name ? `“${name}”` : row;
  return (
    <tr>
      <Cell column="Name" row={row} error={err?.name?.message}>
        {(aria) => <input {...aria} maxLength={100}
          {...register(`stages.${index}.name`, { validate: (v) => v.trim() !== "" || "Name the stage." })} />}
      </Cell>
      <Cell column="Key" row={row} error={err?.stage_key?.message}>
        {(aria) => <input {...aria} maxLength={64} autoCapitalize="none" spellCheck={false} readOnly={stored}
          placeholder="made from the name" className="stage-key" title={stored ? "A stage's key never changes" : undefined}
          {...register(`stages.${index}.stage_key`)} />}
      </Cell>
      <Cell column="Win %" row={row} error={err?.probability?.message} className="num">
        {(aria) => <input {...aria} type="number" min={0} max={100} step={1} className="points" {...register(`stages.${index}.probability`)} />}
      </Cell>
      <Cell column="Kind" row={row} error={err?.category?.message}>
        {(aria) => (
          <select {...aria} {...register(`stages.${index}.category`)}>
            {CATEGORIES.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
          </select>
        )}
      </Cell>
      <Cell column="Forecast" row={row} error={err?.forecast_category?.message}>
        {(aria) => (
          <select {...aria} {...register(`stages.${index}.forecast_category`)}>
            <option value="">Default ({label(DEFAULT_FORECAST[category] ?? "pipeline")})</option>
            {FORECAST_CATEGORIES.map((f) => <option key={f} value={f}>{label(f)}</option>)}
          </select>
        )}
      </Cell>
      <Cell column="Next stages" row={row} error={err?.next_stages?.message}>
        {(aria) => <input {...aria} placeholder="any" autoCapitalize="none" spellCheck={false} {...register(`stages.${index}.next_stages`)} />}
      </Cell>
      {editable && (
        <td data-label="Order" className="row-actions">
          <button type="button" className="secondary" disabled={index === 0} onClick={() => move(index, index - 1)}
            aria-label={`Move ${title} up`}>↑</button>
          <button type="button" className="secondary" disabled={index === count - 1} onClick={() => move(index, index + 1)}
            aria-label={`Move ${title} down`}>↓</button>
          <button type="button" className="secondary" onClick={() => remove(index)} aria-label={`Remove ${title}`}>Remove</button>
        </td>
      )}
    </tr>
  );
}

interface PipelineData {
  pipeline: Pipeline | null;
  etag?: string;
}

export async function pipelineLoader({ params, request: req }: LoaderFunctionArgs): Promise<PipelineData> {
  const answer = await getWithEtag<Pipeline>(`/pipelines/${encodeURIComponent(params.pipelineId ?? "")}`, req.signal);
  return { pipeline: answer.data, etag: answer.etag };
}

const NEW_STAGES: StageRow[] = [
  { ...newRow("open", "10"), name: "Qualification" },
  { ...newRow("open", "50"), name: "Proposal" },
  { ...newRow("won", "100"), name: "Won" },
  { ...newRow("lost", "0"), name: "Lost" },
];

export function PipelinePage() {
  const data = (useLoaderData() as PipelineData | undefined) ?? { pipeline: null };
  const { pipeline, etag } = data;
  const creating = pipeline === null;
  const can = useCan();
  const editable = can("sales:admin");
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const defaults = useMemo<Values>(() => (pipeline
    ? { id: pipeline.id, name: pipeline.name, is_default: pipeline.is_default, stages: pipeline.stages.map(toRow) }
    : { id: "", name: "", is_default: false, stages: NEW_STAGES }), [pipeline]);
  const { control, register, handleSubmit, setError, clearErrors, reset, formState } = useForm<Values>({ defaultValues: defaults });
  const { fields, append, move, remove } = useFieldArray({ control, name: "stages" });
  const [general, setGeneral] = useState<string[]>([]);
  const [stale, setStale] = useState(false);
  const [message, setMessage] = useState<string>();

  const save = async (values: Values) => {
    setGeneral([]);
    setStale(false);
    setMessage(undefined);
    try {
      if (creating) {
        const answer = await request<Pipeline>("/pipelines", { method: "POST", body: toBody(values, true) });
        reset(values);
        navigate(`/admin/pipelines/${answer.data.id}`, { replace: true });
        return;
      }
      const answer = await request<Pipeline>(`/pipelines/${pipeline.id}`, {
        method: "PUT", body: toBody(values, false), ifMatch: etag ?? `"${pipeline.version}"`,
      });
      reset({ id: answer.data.id, name: answer.data.name, is_default: answer.data.is_default, stages: answer.data.stages.map(toRow) });
      setMessage("Saved.");
      revalidator.revalidate();
    } catch (e) {
      if (e instanceof Problem && e.status === 412) {
        setStale(true);
        return;
      }
      setGeneral(placeRowErrors(e, setError, "stages",
        { key: "stage_key", name: "name", probability: "probability", category: "category",
          forecast_category: "forecast_category", next_stages: "next_stages" },
        (i) => `Stage ${i + 1}`, ["id", "name", "is_default"]));
    }
  };

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>{creating ? "New pipeline" : pipeline.name}</h1>
          {pipeline && (
            <p className="muted">
              Id <code>{pipeline.id}</code>{pipeline.is_default && <> · <span className="badge new">Default</span></>} · version {pipeline.version}
              {" "}· changed {when(pipeline.updated_at)}{pipeline.changed_by && <> by {pipeline.changed_by}</>}
              {" "}· <Link to={`/pipeline/${encodeURIComponent(pipeline.id)}`}>Open its board</Link>
            </p>
          )}
        </div>
      </div>
      {!editable && <p className="alert info">You can read the pipeline; an admin changes it.</p>}
      {message && <p role="status" className="alert ok">{message}</p>}
      <LeaveGuard dirty={editable && formState.isDirty && !formState.isSubmitting} what={creating ? "the new pipeline" : "the pipeline"} />
      <form onSubmit={(event) => { clearErrors(); return handleSubmit(save)(event); }} noValidate aria-label={creating ? "New pipeline" : "Edit the pipeline"}>
        <fieldset disabled={!editable} className="plain">
          <legend className="visually-hidden">The pipeline</legend>
          <div className="panel">
            <div className="form-grid">
              {creating && (
                <TextField label="Id" maxLength={64} autoCapitalize="none" spellCheck={false} error={formState.errors.id?.message}
                  hint="A slug like “enterprise”; it never changes."
                  {...register("id", { required: "Give the pipeline an id, like “enterprise”." })} />
              )}
              <TextField label="Name" maxLength={200} error={formState.errors.name?.message}
                {...register("name", { validate: (v) => v.trim() !== "" || "Name the pipeline." })} />
            </div>
            <div className="check">
              <label>
                <input type="checkbox" disabled={pipeline?.is_default} aria-describedby="default-hint" {...register("is_default")} /> The default pipeline
              </label>
              <small id="default-hint" className="hint">
                {pipeline?.is_default
                  ? "New opportunities go here. To change that, make another pipeline the default."
                  : "New opportunities without a pipeline go to the default one; this takes the flag from the current default."}
              </small>
              {formState.errors.is_default && <small className="field-error">{formState.errors.is_default.message}</small>}
            </div>
          </div>
          <h2>Stages, in board order</h2>
          <ul className="muted hints">
            <li>At least one open, one won and one lost stage. Open stages are the board's columns; won and lost close the deal.</li>
            <li>A stage's key never changes (opportunities name it); a new stage's key is made from its name when left empty.</li>
            <li>Next stages: the keys of the stages a deal may move to, separated by commas; empty: any open stage moves anywhere, a closed one back to an open stage.</li>
            <li>A stage still used by opportunities cannot be removed or change its kind.</li>
          </ul>
          <div className="table-wrap">
            <table className="list edit-table stages-table">
              <caption className="visually-hidden">Stages</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col" className="num">Win %</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Forecast</th>
                  <th scope="col">Next stages</th>
                  {editable && <th scope="col"><span className="visually-hidden">Order</span></th>}
                </tr>
              </thead>
              <tbody>
                {fields.map((field, index) => (
                  <StageRowFields key={field.id} index={index} count={fields.length} control={control} register={register}
                    errors={formState.errors} move={move} remove={remove} editable={editable} />
                ))}
              </tbody>
            </table>
          </div>
        </fieldset>
        {editable && (
          <>
            <div className="actions">
              <button type="button" className="secondary" onClick={() => append(newRow())}>Add a stage</button>
            </div>
            {stale && (
              <div role="alert" className="alert error">
                <p>Someone changed this pipeline after you opened it, so your edit was not saved.</p>
                <p><a href={window.location.href}>Reload the page</a> to see their change, then edit again.</p>
              </div>
            )}
            <FormAlert>{general.length > 0 && general.map((m) => <p key={m}>{m}</p>)}</FormAlert>
            <div className="actions">
              <button type="submit" disabled={formState.isSubmitting}>
                {formState.isSubmitting ? "Saving…" : creating ? "Create pipeline" : "Save the pipeline"}
              </button>
              <Link className="button secondary" to="/admin/pipelines">{formState.isDirty ? "Cancel" : "Back to pipelines"}</Link>
            </div>
          </>
        )}
      </form>
    </section>
  );
}
