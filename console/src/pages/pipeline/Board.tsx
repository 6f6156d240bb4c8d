// The pipeline board: a column per stage with its count and sums, cards moved
// by drag and drop or, from the keyboard and on phones, with each card's
// "Move to stage"; a refused move says the server's reason on the card.
import { useEffect, useRef, useState } from "react";
import { Link, useLoaderData, useNavigate, useRevalidator, useSearchParams, type LoaderFunctionArgs } from "react-router";
import { describe, get, Problem, queryString, request } from "../../lib/api";
import { money, plural } from "../../lib/format";
import { useCan } from "../../lib/session";
import { MissingRates, type Warning } from "../../components/MissingRates";
import { OwnerSelect } from "../../components/records";
import { Field, TextField } from "../../components/forms";
import { titleKey, useRecordTitles } from "../tasks/titles";
import { allowedTargets, type Board, type BoardStage, type Opportunity, type Pipeline, type Stage } from "./types";

interface Data {
  pipelines: Pipeline[];
  board: Board | null;
}

const PER_STAGE = 30;
const FILTERS = ["owner", "close_from", "close_to"];

export async function boardLoader({ request: req, params }: LoaderFunctionArgs): Promise<Data> {
  const url = new URL(req.url).searchParams;
  const { items: pipelines } = await get<{ items: Pipeline[] }>("/pipelines", undefined, req.signal);
  const id = params.pipelineId ?? (pipelines.find((p) => p.is_default) ?? pipelines[0])?.id;
  if (!id) return { pipelines, board: null };
  const query = new URLSearchParams();
  for (const key of FILTERS) url.getAll(key).filter(Boolean).forEach((v) => query.append(key, v));
  query.set("limit_per_stage", String(PER_STAGE));
  const board = await get<Board>(`/pipelines/${encodeURIComponent(id)}/board`, query, req.signal);
  return { pipelines, board };
}

/** "Sales pipeline" (a name that says "pipeline" already stays as it is). */
export function boardTitle(pipeline: Pick<Pipeline, "name">): string {
  return /pipeline/i.test(pipeline.name) ? pipeline.name : `${pipeline.name} pipeline`;
}

interface MoveState {
  pending?: boolean;
  error?: string;
  stale?: boolean;
}

/** The reason a move was refused, in the server's words (field errors included). */
function reason(error: unknown): string {
  if (error instanceof Problem) {
    const fields = Object.entries(error.errors).filter(([field]) => field !== "_schema").flatMap(([, messages]) => messages);
    const detail = error.status === 409 || fields.length === 0 ? error.detail : fields.join(" ");
    return detail;
  }
  return describe(error);
}

function Card({ deal, stages, account, canMove, state, asking, focus, onMove, onAsk, onDragStart, onDragEnd, reload }: {
  deal: Opportunity;
  stages: Stage[];
  account: string | null | undefined;
  canMove: boolean;
  state?: MoveState;
  /** The lost stage chosen by a drop, whose reason is asked here. */
  asking?: string;
  focus: boolean;
  onMove: (deal: Opportunity, stage: string, lossReason?: string) => void;
  onAsk: (deal: Opportunity, stage: string | undefined) => void;
  onDragStart: (deal: Opportunity) => void;
  onDragEnd: () => void;
  reload: () => void;
}) {
  const targets = allowedTargets(stages, deal.stage);
  const [target, setTarget] = useState(asking ?? targets[0]?.key ?? "");
  const [lossReason, setLossReason] = useState("");
  const heading = useRef<HTMLAnchorElement>(null);
  useEffect(() => {
    if (asking) setTarget(asking);
  }, [asking]);
  useEffect(() => {
    if (focus) heading.current?.focus();
  }, [focus]);
  const chosen = stages.find((s) => s.key === target);
  const needsReason = chosen?.category === "lost";
  const headingId = `card-${deal.id}`;
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!target) return;
    onMove(deal, target, needsReason ? lossReason : undefined);
  };
  return (
    <article className={`card${state?.pending ? " moving" : ""}${state?.error ? " refused" : ""}`} aria-labelledby={headingId}
      draggable={canMove && !state?.pending}
      onDragStart={(e) => { e.dataTransfer.setData("text/plain", deal.id); e.dataTransfer.effectAllowed = "move"; onDragStart(deal); }}
      onDragEnd={onDragEnd}>
      <h3 className="card-title"><Link id={headingId} ref={heading} to={`/opportunities/${deal.id}`} draggable={false}>{deal.name}</Link></h3>
      <p className="card-meta">
        <Link to={`/accounts/${deal.account_id}`} draggable={false}>{account ?? (account === null ? "Account" : "Account…")}</Link>
        <br />
        <strong>{money(deal.amount, deal.currency)}</strong>
        {deal.owner && <span className="muted"> · {deal.owner}</span>}
      </p>
      {state?.pending && <p className="muted" role="status">Moving…</p>}
      {state?.error && (
        <div role="alert" className="card-error">
          <p>{state.error}</p>
          {state.stale && <button type="button" className="link" onClick={reload}>Reload the board</button>}
        </div>
      )}
      {canMove && targets.length > 0 && (
        <form className="card-move" onSubmit={submit} aria-label={`Move ${deal.name}`}>
          <Field label="Move to stage">
            {(aria) => (
              <select {...aria} value={target} onChange={(e) => { setTarget(e.target.value); onAsk(deal, undefined); }}>
                {targets.map((s) => <option key={s.key} value={s.key}>{s.name}</option>)}
              </select>
            )}
          </Field>
          {needsReason && (
            <TextField label="Why was it lost?" value={lossReason} onChange={(e) => setLossReason(e.target.value)}
              maxLength={500} autoFocus={Boolean(asking)} />
          )}
          <button type="submit" className="secondary" disabled={state?.pending} aria-label={`Move ${deal.name} to ${chosen?.name ?? "the stage"}`}>
            Move
          </button>
        </form>
      )}
    </article>
  );
}

function Column({ stage, board, children, dragging, onDrop }: {
  stage: BoardStage;
  board: Board;
  children: React.ReactNode;
  dragging: Opportunity | null;
  onDrop: (id: string, stage: string) => void;
}) {
  const [over, setOver] = useState(0);
  const target = dragging !== null && dragging.stage !== stage.key;
  const hidden = stage.count - stage.items.length;
  const id = `stage-${stage.key}`;
  return (
    <section className={`board-column${target && over > 0 ? " drop-target" : ""}`} aria-labelledby={id}
      onDragEnter={(e) => { if (target) { e.preventDefault(); setOver((n) => n + 1); } }}
      onDragLeave={() => setOver((n) => Math.max(0, n - 1))}
      onDragOver={(e) => { if (target) { e.preventDefault(); e.dataTransfer.dropEffect = "move"; } }}
      onDrop={(e) => { e.preventDefault(); setOver(0); const dealId = e.dataTransfer.getData("text/plain"); if (dealId) onDrop(dealId, stage.key); }}>
      <header className="column-head">
        <h2 id={id}>{stage.name} <span className="muted">({stage.count.toLocaleString()})</span></h2>
        <p className="column-sums">
          <span>{money(stage.amount, board.currency)}</span>
          <span className="muted"> · weighted {money(stage.weighted_amount, board.currency)}</span>
        </p>
      </header>
      {children}
      {stage.count === 0 && <p className="muted">No opportunities.</p>}
      {hidden > 0 && (
        <p className="muted">
          {plural(hidden, "more opportunity", "more opportunities")} not shown.{" "}
          <Link to={`/opportunities${queryString({ pipeline_id: board.pipeline.id, stage: stage.key })}`}>See them all</Link>
        </p>
      )}
    </section>
  );
}

export function BoardPage() {
  const { pipelines, board } = useLoaderData() as Data;
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const revalidator = useRevalidator();
  const can = useCan();
  const canMove = can("sales:write");
  const [moves, setMoves] = useState<Record<string, MoveState>>({});
  /** Cards shown in their new column while the move is saved and the board reloaded. */
  const [placed, setPlaced] = useState<Record<string, string>>({});
  const [dragging, setDragging] = useState<Opportunity | null>(null);
  const [asking, setAsking] = useState<{ id: string; stage: string }>();
  const [focusId, setFocusId] = useState<string>();
  const [message, setMessage] = useState<{ text: string; warnings?: Warning[] }>();
  const accounts = useRecordTitles(board ? board.stages.flatMap((s) => s.items.map((o) => ({ kind: "accounts" as const, id: o.account_id }))) : []);

  // The reloaded board has the moved cards in their columns (no need to place them any more),
  // and the versions that refusals and stale moves were about are gone.
  useEffect(() => {
    setPlaced({});
    setMoves({});
  }, [board]);

  if (!board) {
    return (
      <section>
        <h1>Pipeline</h1>
        <p className="alert info">There is no pipeline yet.{can("sales:admin") && <> <Link to="/admin/pipelines">Create one</Link>.</>}</p>
      </section>
    );
  }

  const stages = board.pipeline.stages;
  const all = board.stages.flatMap((s) => s.items);
  const findDeal = (id: string) => all.find((o) => o.id === id);

  const move = async (deal: Opportunity, stage: string, lossReason?: string) => {
    const to = stages.find((s) => s.key === stage);
    if (!to || stage === deal.stage) return;
    if (to.category === "lost" && !lossReason?.trim()) {
      // A lost stage needs a reason: the card asks for it.
      setAsking({ id: deal.id, stage });
      if (lossReason !== undefined) setMoves((old) => ({ ...old, [deal.id]: { error: "Say why it was lost: moving to a lost stage needs a reason." } }));
      return;
    }
    setAsking(undefined);
    setMoves((old) => ({ ...old, [deal.id]: { pending: true } }));
    setPlaced((old) => ({ ...old, [deal.id]: stage }));
    try {
      const body: Record<string, unknown> = { stage };
      if (to.category === "lost") body.loss_reason = lossReason!.trim();
      const answer = await request<Opportunity & { warnings?: Warning[] }>(`/opportunities/${deal.id}`, {
        method: "PATCH", body, ifMatch: `"${deal.version}"`,
      });
      setMoves((old) => ({ ...old, [deal.id]: {} }));
      setMessage({ text: `Moved “${deal.name}” to ${to.name}.`, warnings: answer.data.warnings });
      setFocusId(deal.id);
      revalidator.revalidate();
    } catch (e) {
      setPlaced((old) => {
        const next = { ...old };
        delete next[deal.id];
        return next;
      });
      const stale = e instanceof Problem && e.status === 412;
      setMoves((old) => ({
        ...old,
        [deal.id]: {
          stale,
          error: stale
            ? "Someone changed this opportunity after the board was loaded, so it was not moved. Reload the board, then move it again."
            : `Not moved to ${to.name}: ${reason(e)}`,
        },
      }));
    }
  };

  const drop = (id: string, stage: string) => {
    setDragging(null);
    const deal = findDeal(id);
    if (deal) move(deal, stage);
  };

  const columnItems = (stage: BoardStage) => all.filter((o) => (placed[o.id] ?? o.stage) === stage.key);

  const filterQuery = new URLSearchParams();
  for (const key of FILTERS) params.getAll(key).filter(Boolean).forEach((v) => filterQuery.append(key, v));
  const applyFilters = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of FILTERS) {
      const value = String(form.get(key) ?? "");
      if (value) next.set(key, value);
    }
    const pipeline = String(form.get("pipeline") ?? board.pipeline.id);
    navigate(`/pipeline/${encodeURIComponent(pipeline)}${next.size ? `?${next}` : ""}`);
  };

  return (
    <section>
      <div className="page-head">
        <h1>{boardTitle(board.pipeline)}</h1>
        <div className="actions">
          <Link className="button secondary" to={`/forecast${queryString({ pipeline_id: board.pipeline.id, owner: params.get("owner") ?? undefined })}`}>Forecast</Link>
          {can("sales:write") && <Link className="button" to="/opportunities/new">New opportunity</Link>}
        </div>
      </div>
      <form className="toolbar" aria-label="Choose the pipeline and filter" onSubmit={applyFilters}>
        {pipelines.length > 1 && (
          <Field label="Pipeline">
            {(aria) => (
              <select {...aria} name="pipeline" defaultValue={board.pipeline.id} key={board.pipeline.id}>
                {pipelines.map((p) => <option key={p.id} value={p.id}>{p.name}{p.is_default ? " (default)" : ""}</option>)}
              </select>
            )}
          </Field>
        )}
        <OwnerSelect label="Owner" name="owner" defaultValue={params.get("owner") ?? ""} key={`o${params.get("owner")}`}
          current={params.get("owner")} placeholder="Anyone" />
        <TextField label="Closing from" name="close_from" type="date" defaultValue={params.get("close_from") ?? ""} key={`f${params.get("close_from")}`} />
        <TextField label="Closing until" name="close_to" type="date" defaultValue={params.get("close_to") ?? ""} key={`t${params.get("close_to")}`} />
        <button type="submit">Show</button>
        {filterQuery.size > 0 && <Link className="button secondary" to={`/pipeline/${board.pipeline.id}`}>Clear</Link>}
      </form>
      <MissingRates currencies={board.missing_rates} />
      <p className="muted">Sums are in {board.currency}.{canMove && " Drag a card to another stage, or use its “Move to stage”."}</p>
      <div aria-live="polite">
        {message && (
          <div className="alert ok" role="status">
            <p>{message.text}</p>
          </div>
        )}
        {message?.warnings && <MissingRates warnings={message.warnings} />}
      </div>
      <div className="board">
        {board.stages.map((stage) => (
          <Column key={stage.key} stage={stage} board={board} dragging={dragging} onDrop={drop}>
            {columnItems(stage).map((deal) => (
              <Card key={deal.id} deal={deal} stages={stages} canMove={canMove}
                account={accounts[titleKey("accounts", deal.account_id)]}
                state={moves[deal.id]} asking={asking?.id === deal.id ? asking.stage : undefined} focus={focusId === deal.id}
                onMove={move} onAsk={(d, s) => setAsking(s ? { id: d.id, stage: s } : undefined)}
                onDragStart={setDragging} onDragEnd={() => setDragging(null)} reload={() => revalidator.revalidate()} />
            ))}
          </Column>
        ))}
      </div>
    </section>
  );
}
