-- Every change of the scoring or the assignment rules: the whole set as it
-- was saved, its version, who saved it and when. (scoring_state and
-- assignment_state keep only the last change.) Kept for good: rule sets
-- change rarely, and who changed how leads are scored and routed is asked
-- long after.
CREATE TABLE rules_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('scoring', 'assignment')),
    version    integer NOT NULL,
    changed_by text,
    changed_at timestamptz NOT NULL,
    rules      jsonb NOT NULL,
    UNIQUE (kind, version)
);
CREATE INDEX rules_changes_kind ON rules_changes (kind, id);

-- The rules in force when this history starts are its first entries (where
-- someone, or the service's seeding, had saved them).
INSERT INTO rules_changes (kind, version, changed_by, changed_at, rules)
SELECT 'scoring', s.version, s.changed_by, s.changed_at,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name, 'field', r.field,
                                                     'operator', r.operator, 'value', r.value, 'points', r.points,
                                                     'enabled', r.enabled) ORDER BY r.position)
                 FROM scoring_rules r), '[]')
FROM scoring_state s WHERE s.changed_by IS NOT NULL OR EXISTS (SELECT 1 FROM scoring_rules);

INSERT INTO rules_changes (kind, version, changed_by, changed_at, rules)
SELECT 'assignment', s.version, s.changed_by, s.changed_at,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name, 'priority', r.priority,
                                                     'kind', r.kind, 'countries', r.countries,
                                                     'industries', r.industries, 'sources', r.sources,
                                                     'owners', r.owners, 'enabled', r.enabled)
                                  ORDER BY r.priority, r.id)
                 FROM assignment_rules r), '[]')
FROM assignment_state s WHERE s.changed_at IS NOT NULL;
