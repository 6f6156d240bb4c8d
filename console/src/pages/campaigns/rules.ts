// A segment's rule as the builder edits it (a tree of groups, conditions and
// references to other segments, each with a key for React) and as the API
// takes it: {"all": [...]}, {"any": [...]}, {"not": node},
// {"field": f, "op": op, "value": v}, {"segment": id}.
// Pure functions: no React, no requests.

export type FieldType = "text" | "number" | "date" | "timestamp" | "boolean" | "choice";

export interface FieldInfo {
  name: string;
  label: string;
  type: FieldType;
  operators: string[];
  values: { value: string; label: string }[];
}

export type GroupMode = "all" | "any" | "none" | "not_all";

export interface Group {
  key: string;
  kind: "group";
  mode: GroupMode;
  children: RuleNode[];
}

export interface Condition {
  key: string;
  kind: "condition";
  field: string;
  op: string;
  /** The value as typed (a list: comma-separated; a choice list: values joined by "\u001f"). */
  value: string;
  /** The upper bound of "between". */
  value2: string;
}

export interface Reference {
  key: string;
  kind: "segment";
  segment: string;
  /** "is not in the segment". */
  negate: boolean;
}

export type RuleNode = Group | Condition | Reference;

export const OPS_BY_TYPE: Record<FieldType, string[]> = {
  text: ["eq", "ne", "contains", "starts_with", "in", "not_in", "is_empty", "is_not_empty"],
  number: ["eq", "ne", "gt", "gte", "lt", "lte", "between", "is_empty", "is_not_empty"],
  date: ["within_last_days", "more_than_days_ago", "gt", "lt", "between", "is_empty", "is_not_empty"],
  timestamp: ["within_last_days", "more_than_days_ago", "gt", "lt", "between", "is_empty", "is_not_empty"],
  boolean: ["eq"],
  choice: ["eq", "ne", "in", "not_in", "is_empty", "is_not_empty"],
};

const OP_WORDS: Record<string, string> = {
  eq: "is", ne: "is not", in: "is one of", not_in: "is none of", contains: "contains", starts_with: "starts with",
  gt: "is more than", gte: "is at least", lt: "is less than", lte: "is at most", between: "is between",
  is_empty: "is empty", is_not_empty: "is not empty", within_last_days: "in the last … days", more_than_days_ago: "more than … days ago",
};
const DATE_WORDS: Record<string, string> = { gt: "is after", gte: "is on or after", lt: "is before", lte: "is on or before" };

export function opLabel(op: string, type?: FieldType): string {
  if ((type === "date" || type === "timestamp") && DATE_WORDS[op]) return DATE_WORDS[op];
  return OP_WORDS[op] ?? op.replace(/_/g, " ");
}

export const NO_VALUE = new Set(["is_empty", "is_not_empty"]);
export const LIST_OPS = new Set(["in", "not_in"]);
export const DAY_OPS = new Set(["within_last_days", "more_than_days_ago"]);
export const LIST_SEP = "\u001f";

const TYPES = new Set<FieldType>(["text", "number", "date", "timestamp", "boolean", "choice"]);

function normaliseType(type: unknown): FieldType {
  const text = String(type ?? "text").toLowerCase();
  if (TYPES.has(text as FieldType)) return text as FieldType;
  if (["integer", "decimal", "money", "float", "numeric"].includes(text)) return "number";
  if (["datetime", "date-time"].includes(text)) return "timestamp";
  if (["enum", "select"].includes(text)) return "choice";
  if (text === "bool") return "boolean";
  return "text";
}

function humanise(name: string): string {
  const text = name.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The field catalogue in one shape, whatever the API's list is called and whether values are strings or {value, label}. */
export function fieldCatalogue(answer: unknown): FieldInfo[] {
  const source = answer as Record<string, unknown> | unknown[] | null;
  const raw = Array.isArray(source) ? source : ((source as Record<string, unknown>)?.items ?? (source as Record<string, unknown>)?.fields ?? []);
  const list: Record<string, any>[] = Array.isArray(raw)
    ? raw
    : Object.entries(raw as Record<string, any>).map(([name, value]) => ({ name, ...(value as object) }));
  return list.map((f) => {
    const type = normaliseType(f.type);
    const values = (f.values ?? f.choices ?? []) as unknown[];
    return {
      name: String(f.name),
      label: String(f.label ?? humanise(String(f.name))),
      type,
      operators: Array.isArray(f.operators ?? f.ops) && (f.operators ?? f.ops).length ? (f.operators ?? f.ops).map(String) : OPS_BY_TYPE[type],
      values: values.map((v) => (typeof v === "object" && v !== null
        ? { value: String((v as any).value), label: String((v as any).label ?? (v as any).value) }
        : { value: String(v), label: humanise(String(v)) })),
    };
  });
}

let counter = 0;
export function newKey(): string {
  counter += 1;
  return `n${counter}`;
}

export function newGroup(mode: GroupMode = "all", children: RuleNode[] = []): Group {
  return { key: newKey(), kind: "group", mode, children };
}

export function newCondition(field?: FieldInfo): Condition {
  const op = field ? field.operators[0] ?? "eq" : "eq";
  return { key: newKey(), kind: "condition", field: field?.name ?? "", op, value: field?.type === "boolean" ? "true" : "", value2: "" };
}

export function newReference(segment = ""): Reference {
  return { key: newKey(), kind: "segment", segment, negate: false };
}

/** The value of a condition as the API takes it; undefined while it is incomplete. */
export function conditionValue(c: Condition, field: FieldInfo | undefined): unknown {
  if (NO_VALUE.has(c.op)) return null;
  const type = field?.type ?? "text";
  const one = (text: string): unknown => {
    const t = text.trim();
    if (t === "") return undefined;
    if (type === "number" || DAY_OPS.has(c.op)) {
      const n = Number(t);
      return Number.isFinite(n) ? n : undefined;
    }
    if (type === "boolean") return t === "true";
    return t;
  };
  if (LIST_OPS.has(c.op)) {
    const parts = (c.value.includes(LIST_SEP) || type === "choice" ? c.value.split(LIST_SEP) : c.value.split(","))
      .map(one).filter((v) => v !== undefined);
    return parts.length ? parts : undefined;
  }
  if (c.op === "between") {
    const low = one(c.value);
    const high = one(c.value2);
    return low === undefined || high === undefined ? undefined : [low, high];
  }
  return one(c.value);
}

export interface Built {
  /** The rule to send (null: nothing complete yet). */
  rule: unknown | null;
  /** The API path of each node sent ("" for the root, "all.0", "all.1.any.0"...) -> its key. */
  paths: Record<string, string>;
  /** Conditions left out because they are not complete. */
  incomplete: number;
}

function combinator(mode: GroupMode): "all" | "any" {
  return mode === "any" || mode === "none" ? "any" : "all";
}

/** The API's rule of the tree; incomplete conditions and empty groups are left out (and counted). */
export function buildRule(root: Group, fields: FieldInfo[]): Built {
  const paths: Record<string, string> = {};
  let incomplete = 0;
  const visit = (node: RuleNode, path: string): unknown | null => {
    if (node.kind === "condition") {
      const field = fields.find((f) => f.name === node.field);
      const value = conditionValue(node, field);
      if (!node.field || value === undefined) {
        incomplete += 1;
        return null;
      }
      paths[path] = node.key;
      return NO_VALUE.has(node.op) ? { field: node.field, op: node.op } : { field: node.field, op: node.op, value };
    }
    if (node.kind === "segment") {
      if (!node.segment) {
        incomplete += 1;
        return null;
      }
      paths[path] = node.key;
      return node.negate ? { not: { segment: node.segment } } : { segment: node.segment };
    }
    const word = combinator(node.mode);
    const negated = node.mode === "none" || node.mode === "not_all";
    const inner = negated ? `${path ? `${path}.` : ""}not.${word}` : `${path ? `${path}.` : ""}${word}`;
    const children: unknown[] = [];
    for (const child of node.children) {
      const built = visit(child, `${inner}.${children.length}`);
      if (built !== null) children.push(built);
    }
    paths[path] = node.key;
    if (children.length === 0 && path !== "") return null;
    const group = { [word]: children };
    return negated ? { not: group } : group;
  };
  const rule = visit(root, "");
  return { rule, paths, incomplete };
}

/** The builder's tree of an API rule (a rule it cannot read becomes an "all" group with what it could). */
export function parseRule(rule: unknown): Group {
  const node = toNode(rule);
  if (node && node.kind === "group") return node;
  return newGroup("all", node ? [node] : []);
}

function toNode(rule: unknown): RuleNode | null {
  if (!rule || typeof rule !== "object") return null;
  const r = rule as Record<string, any>;
  if (Array.isArray(r.all)) return newGroup("all", r.all.map(toNode).filter(Boolean) as RuleNode[]);
  if (Array.isArray(r.any)) return newGroup("any", r.any.map(toNode).filter(Boolean) as RuleNode[]);
  if (r.not && typeof r.not === "object") {
    const inner = r.not as Record<string, any>;
    if (Array.isArray(inner.any)) return newGroup("none", inner.any.map(toNode).filter(Boolean) as RuleNode[]);
    if (Array.isArray(inner.all)) return newGroup("not_all", inner.all.map(toNode).filter(Boolean) as RuleNode[]);
    if (typeof inner.segment === "string") return { ...newReference(inner.segment), negate: true };
    const child = toNode(inner);
    return newGroup("none", child ? [child] : []);
  }
  if (typeof r.segment === "string") return newReference(r.segment);
  if (typeof r.field === "string") {
    const c = newCondition();
    c.field = r.field;
    c.op = String(r.op ?? "eq");
    const v = r.value;
    if (Array.isArray(v) && c.op === "between") {
      c.value = v[0] === null || v[0] === undefined ? "" : String(v[0]);
      c.value2 = v[1] === null || v[1] === undefined ? "" : String(v[1]);
    } else if (Array.isArray(v)) {
      c.value = v.map(String).join(LIST_SEP);
    } else {
      c.value = v === null || v === undefined ? "" : String(v);
    }
    return c;
  }
  return null;
}

/** The key of the node an error's field path ("rule.all.1.value") is about: the longest known path it starts with. */
export function nodeOfError(errorPath: string, paths: Record<string, string>): { key: string; rest: string } | null {
  const path = errorPath.replace(/^rule\.?/, "");
  let best: string | null = null;
  for (const known of Object.keys(paths)) {
    if (known === "" || path === known || path.startsWith(`${known}.`)) {
      if (best === null || known.length > best.length) best = known;
    }
  }
  if (best === null) return null;
  return { key: paths[best], rest: path.slice(best.length).replace(/^\./, "") };
}

/** Replaces the node with `key` (deep) by `change(node)`; null removes it. */
export function updateNode(root: Group, key: string, change: (node: RuleNode) => RuleNode | null): Group {
  const walk = (node: RuleNode): RuleNode | null => {
    if (node.key === key) return change(node);
    if (node.kind !== "group") return node;
    const children = node.children.map(walk).filter(Boolean) as RuleNode[];
    return { ...node, children };
  };
  return (walk(root) as Group | null) ?? newGroup();
}

/** The segments a rule refers to (directly). */
export function referencedSegments(root: Group): string[] {
  const found: string[] = [];
  const walk = (node: RuleNode) => {
    if (node.kind === "segment" && node.segment) found.push(node.segment);
    if (node.kind === "group") node.children.forEach(walk);
  };
  walk(root);
  return found;
}
