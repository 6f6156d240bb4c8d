"""Pipelines and their stages: reading them, and changing their configuration.

Every configuration change takes one transaction-scoped advisory lock, so two
changes (say, two pipelines made the default at once) run one after the
other.  Writes to opportunities read their pipeline's stages ``FOR SHARE``
and a configuration change locks the stages ``FOR UPDATE`` before it counts
the opportunities in them, so a stage cannot be removed (or change its
category) under an opportunity being moved into it.
"""

import psycopg

from shared.kit import outbox, versions
from shared.kit.db import advisory_lock
from shared.kit.rows import plain
from shared.schemas.errors import Conflict, DuplicateFound, NotFound, ValidationFailed

CONFIG_LOCK = "crm-sales:pipelines"
STAGE_FIELDS = ("key", "name", "position", "probability", "category", "forecast_category", "next_stages")
PIPELINE_FIELDS = ("id", "name", "is_default", "changed_by", "version", "created_at", "updated_at")


def _stage(row):
    return {field: row[field] for field in STAGE_FIELDS}


def pipeline_snapshot(row, stages):
    """A pipeline as the API shows it (PipelineSchema)."""
    return {**{field: plain(row[field]) for field in PIPELINE_FIELDS},
            "stages": [{field: stage[field] for field in STAGE_FIELDS} for stage in stages]}


def load_stages(conn, pipeline_id, share=False):
    """The stages of a pipeline in position order; ``share`` locks them
    against configuration changes until the transaction ends."""
    rows = conn.execute(
        f"SELECT {', '.join(STAGE_FIELDS)} FROM pipeline_stages WHERE pipeline_id = %s ORDER BY position, key"
        + (" FOR SHARE" if share else ""),
        (pipeline_id,),
    ).fetchall()
    return [_stage(row) for row in rows]


def get_pipeline(conn, pipeline_id, lock=False):
    """(pipeline row, stages); NotFound when there is no such pipeline."""
    row = conn.execute("SELECT * FROM pipelines WHERE id = %s" + (" FOR UPDATE" if lock else ""),
                       (pipeline_id,)).fetchone()
    if row is None:
        raise NotFound(f"No pipeline with id {pipeline_id!r}; list them with list_pipelines.")
    return row, load_stages(conn, pipeline_id)


def list_pipelines(conn):
    """Every pipeline with its stages, the default first, then by name."""
    rows = conn.execute("SELECT * FROM pipelines ORDER BY is_default DESC, name, id").fetchall()
    stages = {}
    for stage in conn.execute(
        f"SELECT pipeline_id, {', '.join(STAGE_FIELDS)} FROM pipeline_stages ORDER BY pipeline_id, position, key"
    ):
        stages.setdefault(stage["pipeline_id"], []).append(_stage(stage))
    return [pipeline_snapshot(row, stages.get(row["id"], [])) for row in rows]


def _pipeline_ids(conn):
    return [row["id"] for row in conn.execute("SELECT id FROM pipelines ORDER BY id")]


def stages_for_opportunity(conn, pipeline_id=None):
    """(pipeline id, stages locked FOR SHARE) of the named pipeline, or of the
    default one when none is named; ValidationFailed on ``pipeline_id`` when
    it names no pipeline."""
    if pipeline_id is None:
        row = conn.execute("SELECT id FROM pipelines WHERE is_default").fetchone()
        if row is None:
            raise ValidationFailed("There is no default pipeline; name a pipeline_id.",
                                   {"pipeline_id": ["Required: no pipeline is the default."]})
        pipeline_id = row["id"]
    stages = load_stages(conn, pipeline_id, share=True)
    if not stages:
        known = ", ".join(_pipeline_ids(conn))
        raise ValidationFailed(f"No pipeline with id {pipeline_id!r}; use one of: {known}.",
                               {"pipeline_id": [f"No such pipeline; use one of: {known}."]})
    return pipeline_id, stages


def _lock_config(conn):
    advisory_lock(conn, CONFIG_LOCK)


def _take_default_flag(conn, pipeline_id):
    """Clear the default flag of every other pipeline (this one takes it);
    each one that loses it publishes ``pipeline.updated``."""
    rows = conn.execute("UPDATE pipelines SET is_default = false, version = version + 1, updated_at = now()"
                        " WHERE is_default AND id <> %s RETURNING id", (pipeline_id,)).fetchall()
    for row in rows:
        _publish(conn, "pipeline.updated", row["id"])


def _publish(conn, event_type, pipeline_id):
    """Publish the pipeline's whole configuration; returns its snapshot."""
    snapshot = pipeline_snapshot(*get_pipeline(conn, pipeline_id))
    outbox.add(conn, event_type, {"pipeline": snapshot})
    return snapshot


def _write_stages(conn, pipeline_id, stages):
    for stage in stages:
        conn.execute(
            "INSERT INTO pipeline_stages (pipeline_id, key, name, position, probability, category,"
            " forecast_category, next_stages) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (pipeline_id, key) DO UPDATE SET name = excluded.name, position = excluded.position,"
            " probability = excluded.probability, category = excluded.category,"
            " forecast_category = excluded.forecast_category, next_stages = excluded.next_stages",
            (pipeline_id, *(stage[field] for field in STAGE_FIELDS)),
        )


def create_pipeline(conn, data, actor=None):
    """A new pipeline from validated input (PipelineCreateSchema); returns its snapshot."""
    _lock_config(conn)
    if conn.execute("SELECT 1 FROM pipelines WHERE id = %s", (data["id"],)).fetchone():
        raise DuplicateFound(f"A pipeline with id {data['id']!r} exists; choose another id or update that one.",
                             {"id": ["Taken by another pipeline."]}, existing_id=data["id"])
    if data.get("is_default"):
        _take_default_flag(conn, data["id"])
    conn.execute("INSERT INTO pipelines (id, name, is_default, changed_by) VALUES (%s, %s, %s, %s)",
                 (data["id"], data["name"], bool(data.get("is_default")), actor))
    _write_stages(conn, data["id"], data["stages"])
    return _publish(conn, "pipeline.created", data["id"])


def _stage_counts(conn, pipeline_id):
    rows = conn.execute("SELECT stage, count(*) AS n FROM opportunities WHERE pipeline_id = %s GROUP BY stage",
                        (pipeline_id,)).fetchall()
    return {row["stage"]: row["n"] for row in rows}


def _are_in_it(count):
    return "1 opportunity is in it" if count == 1 else f"{count} opportunities are in it"


def check_stage_changes(old_stages, new_stages, counts):
    """Messages about stages in use (``counts``: stage key -> opportunities)
    that the new configuration removes or moves to another category."""
    new = {stage["key"]: stage for stage in new_stages}
    problems = []
    for stage in old_stages:
        count = counts.get(stage["key"], 0)
        if not count:
            continue
        if stage["key"] not in new:
            problems.append(f"Stage {stage['key']!r} cannot be removed: {_are_in_it(count)}; "
                            "move them to another stage first.")
        elif new[stage["key"]]["category"] != stage["category"]:
            problems.append(f"Stage {stage['key']!r} cannot change its category from {stage['category']} to "
                            f"{new[stage['key']]['category']}: {_are_in_it(count)}; add a new stage instead.")
    return problems


def update_pipeline(conn, pipeline_id, data, actor=None, expected_version=None):
    """Replace a pipeline's name and stages (PipelineUpdateSchema); returns its snapshot.

    Stages are matched by key: kept ones are updated in place, new ones added,
    missing ones removed.  A stage that opportunities are in cannot be removed
    nor change its category (Conflict with ``in_use``: stage -> count).
    """
    _lock_config(conn)
    row, old_stages = get_pipeline(conn, pipeline_id, lock=True)
    versions.check_version(row, expected_version, "pipeline")
    if data.get("is_default") is False and row["is_default"]:
        raise ValidationFailed(
            "There must be a default pipeline: make another pipeline the default instead of unsetting this one.",
            {"is_default": ["This is the default pipeline; set is_default on another pipeline to move the flag."]})
    conn.execute("SELECT 1 FROM pipeline_stages WHERE pipeline_id = %s FOR UPDATE", (pipeline_id,))
    counts = _stage_counts(conn, pipeline_id)
    problems = check_stage_changes(old_stages, data["stages"], counts)
    if problems:
        in_use = {stage["key"]: counts[stage["key"]] for stage in old_stages if counts.get(stage["key"])}
        raise Conflict(" ".join(problems), {"stages": problems}, in_use=in_use)
    if data.get("is_default") and not row["is_default"]:
        _take_default_flag(conn, pipeline_id)
    conn.execute(
        "UPDATE pipelines SET name = %s, is_default = is_default OR %s, changed_by = %s, version = version + 1,"
        " updated_at = now() WHERE id = %s",
        (data["name"], bool(data.get("is_default")), actor, pipeline_id),
    )
    _write_stages(conn, pipeline_id, data["stages"])
    removed = [stage["key"] for stage in old_stages if stage["key"] not in {s["key"] for s in data["stages"]}]
    if removed:
        try:
            with conn.transaction():
                conn.execute("DELETE FROM pipeline_stages WHERE pipeline_id = %s AND key = ANY(%s)",
                             (pipeline_id, removed))
        except psycopg.errors.ForeignKeyViolation:  # cannot happen under the locks; kept as a clear answer
            raise Conflict("A removed stage is in use by opportunities; move them first.",
                           {"stages": ["A removed stage is in use."]}) from None
    return _publish(conn, "pipeline.updated", pipeline_id)
