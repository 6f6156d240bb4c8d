// The web console: a small single-page app over the REST API (/api/v1).
"use strict";

const API = new URL("../api/v1/", document.baseURI).href;
const view = document.getElementById("view");
const MOVES = {
  new: ["working", "qualified", "disqualified"],
  working: ["qualified", "disqualified"],
  qualified: ["working", "disqualified"],
  disqualified: ["working"],
  converted: [],
};

function token() { return sessionStorage.getItem("crm-token"); }

function toast(message) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

class ApiError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title || "Request failed");
    this.problem = problem;
  }
}

async function api(path, options = {}) {
  const headers = Object.assign({ Accept: "application/json" }, options.headers || {});
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  const response = await fetch(API + path, Object.assign({}, options, { headers }));
  if (response.status === 401 && path !== "auth/login") { signOut(); throw new ApiError({ detail: "Please sign in again." }); }
  const body = response.status === 204 ? null : await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(body || { title: response.statusText });
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
}

function mount(templateId) {
  view.replaceChildren(document.getElementById(templateId).content.cloneNode(true));
}

function showFieldErrors(form, error) {
  form.querySelectorAll(".field-error").forEach((node) => node.remove());
  let placed = false;
  const place = (errors) => {
    for (const [field, messages] of Object.entries(errors || {})) {
      if (messages && typeof messages === "object" && !Array.isArray(messages)) { place(messages); continue; }
      const input = form.elements[field];
      if (input) { input.after(el("span", { class: "field-error" }, [].concat(messages).join(" "))); placed = true; }
    }
  };
  place(error.problem && error.problem.errors);
  if (!placed) toast(error.message);
}

function formData(form) {
  const data = {};
  for (const [key, value] of new FormData(form).entries()) {
    if (value === "") continue;
    data[key] = form.elements[key].type === "number" ? Number(value) : value;
  }
  return data;
}

// A list that loads page by page: fetchPage(cursor) answers {items, next_cursor}; render(item) makes its node.
// Returns load(reset): reset starts again from the first page.
function pagedList(container, more, fetchPage, render, emptyNode) {
  let cursor = null;
  const load = async (reset) => {
    const page = await fetchPage(reset ? null : cursor);
    if (reset) container.replaceChildren();
    container.append(...page.items.map(render));
    if (reset && !page.items.length) container.append(emptyNode());
    cursor = page.next_cursor;
    more.hidden = !cursor;
  };
  more.onclick = () => load(false).catch((error) => toast(error.message));
  return load;
}

// Query string of a filter form's values (form may be null) and extra ones; null values are left out.
function queryOf(form, extra = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(Object.assign(form ? formData(form) : {}, extra))) {
    if (value !== null && value !== undefined) params.append(key, value);
  }
  return params;
}

function emptyRow(columns, text) { return el("tr", {}, el("td", { colspan: String(columns), class: "muted" }, text)); }

function can(permission) { return Boolean(route.me && route.me.permissions.includes(permission)); }

function money(amount, currency) {
  try { return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(Number(amount)); }
  catch { return `${amount} ${currency}`; }
}

function day(value) { return value ? new Date(value).toLocaleDateString() : ""; }

function link(hash, text) { return el("a", { href: hash }, text); }

function signOut() {
  sessionStorage.removeItem("crm-token");
  route.me = null;
  document.getElementById("nav").hidden = true;
  location.hash = "#/signin";
}

async function showSignIn() {
  mount("signin");
  const problem = document.getElementById("signin-error");
  document.getElementById("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await api("auth/login", { method: "POST", json: formData(event.target) });
      sessionStorage.setItem("crm-token", answer.token);
      location.hash = "#/leads";
    } catch (error) { problem.textContent = error.message; }
  });
  document.getElementById("tokenform").addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem("crm-token", event.target.elements.token.value.trim());
    try { await api("me"); location.hash = "#/leads"; } catch (error) { problem.textContent = error.message; }
  });
}

function leadName(lead) {
  return [lead.first_name, lead.last_name].filter(Boolean).join(" ") || lead.email || lead.company || lead.id;
}

async function showLeads() {
  mount("leads");
  const filters = document.getElementById("filters");
  const load = pagedList(document.getElementById("rows"), document.getElementById("more"),
    (cursor) => api(`leads?${queryOf(filters, { limit: 50, cursor })}`),
    (lead) => el("tr", { onclick: () => { location.hash = `#/leads/${lead.id}`; } },
      el("td", {}, leadName(lead)), el("td", {}, lead.company), el("td", {}, lead.email),
      el("td", {}, el("span", { class: "badge" }, lead.status)), el("td", {}, lead.owner),
      el("td", {}, String(lead.score)), el("td", {}, new Date(lead.created_at).toLocaleString())),
    () => emptyRow(7, "No leads match."));
  const refresh = async () => {
    await load(true);
    const counts = await api(`leads/counts?${queryOf(filters)}`);
    document.getElementById("counts").replaceChildren(el("span", {}, `Total ${counts.total}`),
      ...Object.entries(counts.by_status).map(([status, n]) => el("span", {}, `${status} ${n}`)));
  };
  filters.addEventListener("submit", (event) => { event.preventDefault(); refresh().catch((e) => toast(e.message)); });
  await refresh();
}

// A <dl> of the record's non-empty fields, then its custom attributes.
function details(record, fields) {
  const list = el("dl");
  for (const field of fields) {
    if (record[field] === null || record[field] === undefined || record[field] === "") continue;
    list.append(el("dt", {}, field.replaceAll("_", " ")), el("dd", {}, String(record[field])));
  }
  for (const [key, value] of Object.entries(record.attributes || {})) {
    list.append(el("dt", {}, key), el("dd", {}, typeof value === "string" ? value : JSON.stringify(value)));
  }
  return list;
}

// The form that converts a qualified lead into an account, a contact and (optionally) an opportunity.
function convertForm(lead) {
  const form = el("form", { class: "card grid", hidden: "" },
    el("label", { class: "wide" }, el("input", { type: "checkbox", name: "create_opportunity", checked: "" }),
      " Create an opportunity"),
    el("label", {}, "Opportunity name", el("input", { name: "name", maxlength: "200" })),
    el("label", {}, "Amount", el("input", { name: "amount", inputmode: "decimal", placeholder: "0.00" })),
    el("label", {}, "Currency", el("input", { name: "currency", maxlength: "3", placeholder: "reporting currency" })),
    el("label", {}, "Expected close", el("input", { name: "expected_close_date", type: "date" })),
    el("button", {}, "Convert"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { create_opportunity: wanted, ...opportunity } = formData(form);
    const options = { create_opportunity: Boolean(wanted) };
    if (options.create_opportunity && Object.keys(opportunity).length) options.opportunity = opportunity;
    try {
      const result = await api(`leads/${lead.id}/convert`, { method: "POST", json: options });
      toast(result.account_created ? "Lead converted into a new account." : "Lead converted into an existing account.");
      showLead(lead.id, result);
    } catch (error) { showFieldErrors(form, error); }
  });
  return form;
}

async function showLead(id, conversion = null) {
  const [lead, history, score] = await Promise.all([
    api(`leads/${id}`), api(`leads/${id}/history?limit=20`), api(`leads/${id}/score`)]);
  const fields = ["email", "phone", "company", "title", "industry", "country", "company_size", "source",
    "campaign_id", "owner", "status_reason", "notes", "merged_into"];
  const card = el("section", { class: "card" },
    el("h2", {}, leadName(lead), " ", el("span", { class: "badge" }, lead.status)),
    el("p", { class: "muted" }, `Score ${lead.score} · engagement ${lead.engagement} · version ${lead.version}`));
  const actions = el("div", { class: "actions" });
  for (const target of MOVES[lead.status] || []) {
    actions.append(el("button", { type: "button", onclick: async () => {
      const changes = { status: target };
      if (target === "disqualified") {
        const reason = prompt("Why is this lead disqualified?");
        if (reason === null) return;
        changes.status_reason = reason;
      }
      try {
        await api(`leads/${id}`, { method: "PATCH", json: changes, headers: { "If-Match": `"${lead.version}"` } });
        toast(`Lead is now ${target}.`);
        showLead(id);
      } catch (error) { toast(error.message); }
    } }, `Mark ${target}`));
  }
  actions.append(el("button", { type: "button", class: "secondary", onclick: async () => {
    const owner = prompt("New owner", lead.owner || "");
    if (!owner) return;
    try { await api(`leads/${id}/owner`, { method: "PUT", json: { owner } }); toast(`Assigned to ${owner}.`); showLead(id); }
    catch (error) { toast(error.message); }
  } }, "Reassign"));
  const convert = lead.status === "qualified" && can("sales:write") ? convertForm(lead) : "";
  if (convert) {
    actions.append(el("button", { type: "button", onclick: () => { convert.hidden = !convert.hidden; } }, "Convert"));
  }
  const accountId = lead.converted_account_id || (conversion && conversion.account_id);
  const converted = accountId ? el("p", {}, "Converted into ", link(`#/accounts/${accountId}`,
    conversion && conversion.account_created ? "a new account" : "an account"), ".") : "";
  const scoring = el("ul", {}, ...score.contributions.map((item) => el("li", {}, `${item.name}: ${item.points > 0 ? "+" : ""}${item.points}`)));
  const timeline = el("ul", {}, ...history.items.map((item) =>
    el("li", {}, `${new Date(item.at).toLocaleString()} · ${item.actor || "system"} · ${item.action}`)));
  view.replaceChildren(card);
  card.append(converted, actions, convert, details(lead, fields), el("h3", {}, "Why this score"), scoring,
    el("h3", {}, "History"), timeline);
}

async function showNewLead() {
  mount("newlead");
  document.getElementById("create").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const lead = await api("leads", { method: "POST", json: formData(event.target) });
      toast("Lead created.");
      location.hash = `#/leads/${lead.id}`;
    } catch (error) {
      if (error.problem && error.problem.existing_id) {
        toast("This person is already an open lead; showing it.");
        location.hash = `#/leads/${error.problem.existing_id}`;
      } else showFieldErrors(event.target, error);
    }
  });
}

async function showImport() {
  mount("import");
  const progress = document.getElementById("progress");
  document.getElementById("upload").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = event.target.elements.file.files[0];
    if (!file) return;
    progress.replaceChildren(el("p", {}, `Uploading ${file.name} ...`));
    try {
      let job = await api(`leads/imports?filename=${encodeURIComponent(file.name)}`,
        { method: "POST", body: file, headers: { "Content-Type": "text/csv" } });
      const bar = el("progress", { max: String(job.rows_received || 1), value: "0" });
      const text = el("p");
      progress.replaceChildren(bar, text);
      while (job.status === "receiving" || job.status === "processing") {
        await new Promise((resolve) => setTimeout(resolve, 500));
        job = await api(`leads/imports/${job.id}`);
        bar.max = job.rows_received || 1;
        bar.value = job.rows_done;
        text.textContent = `${job.rows_done} of ${job.rows_received} rows · ${job.rows_created} created · ` +
          `${job.rows_failed} failed · ${job.rows_per_second ?? "-"} rows/s`;
      }
      text.textContent = `${job.status}: ${job.rows_created} created, ${job.rows_failed} failed.`;
      if (job.rows_failed) {
        const errors = await api(`leads/imports/${job.id}/errors?limit=100`);
        const table = document.getElementById("import-errors");
        table.hidden = false;
        table.tBodies[0].replaceChildren(...errors.items.map((item) => el("tr", {},
          el("td", {}, String(item.row)),
          el("td", {}, Object.entries(item.errors).map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`).join("; ")))));
      }
    } catch (error) { progress.replaceChildren(el("p", { class: "error" }, error.message)); }
  });
}

const ACCOUNT_FIELDS = ["domain", "industry", "size", "country", "owner", "version"];

function contactName(contact) {
  return [contact.first_name, contact.last_name].filter(Boolean).join(" ") || contact.emails[0] || contact.id;
}

function option(value, text, selected) { return el("option", selected ? { value, selected: "" } : { value }, text); }

function table(headings, rows, emptyText) {
  return el("table", {}, el("thead", {}, el("tr", {}, ...headings.map((heading) => el("th", {}, heading)))),
    el("tbody", {}, ...(rows.length ? rows : [emptyRow(headings.length, emptyText)])));
}

async function showAccounts() {
  mount("accounts");
  const filters = document.getElementById("account-filters");
  const load = pagedList(document.getElementById("account-rows"), document.getElementById("account-more"),
    (cursor) => api(`accounts?${queryOf(filters, { limit: 50, cursor })}`),
    (account) => el("tr", { onclick: () => { location.hash = `#/accounts/${account.id}`; } },
      el("td", {}, account.name), el("td", {}, account.domain),
      el("td", {}, el("span", { class: "badge" }, account.type)), el("td", {}, account.industry),
      el("td", {}, account.country), el("td", {}, account.owner)),
    () => emptyRow(6, "No accounts match."));
  filters.addEventListener("submit", (event) => { event.preventDefault(); load(true).catch((e) => toast(e.message)); });
  await load(true);
}

function contactRow(contact) {
  const flags = [contact.do_not_call && "do not call", contact.do_not_email && "do not email"].filter(Boolean);
  return el("tr", {}, el("td", {}, contactName(contact)), el("td", {}, contact.title), el("td", {}, contact.emails[0]),
    el("td", {}, contact.phones[0]), el("td", {}, (contact.role || "").replaceAll("_", " ")),
    el("td", { class: "muted" }, flags.join(", ")));
}

function opportunityRow(opportunity) {
  return el("tr", { onclick: () => { location.hash = `#/pipeline/${opportunity.pipeline_id}`; } },
    el("td", {}, opportunity.name), el("td", {}, el("span", { class: "badge" }, opportunity.stage)),
    el("td", {}, money(opportunity.amount, opportunity.currency)), el("td", {}, `${opportunity.probability} %`),
    el("td", {}, day(opportunity.expected_close_date)), el("td", {}, opportunity.owner));
}

function activityItem(activity) {
  return el("li", {}, el("span", { class: "badge" }, activity.kind), " ",
    [new Date(activity.occurred_at).toLocaleString(), activity.subject, activity.status, activity.owner]
      .filter(Boolean).join(" · "));
}

async function showAccount(id) {
  const sales = can("sales:read"); // opportunities and activities; everyone reads accounts and contacts
  const [account, contacts, opportunities] = await Promise.all([api(`accounts/${id}`),
    api(`contacts?account_id=${id}&limit=100`), sales ? api(`opportunities?account_id=${id}&limit=100`) : null]);
  const card = el("section", { class: "card" },
    el("h2", {}, account.name, " ", el("span", { class: "badge" }, account.type)));
  const see = (text, other, where) => el("p", {}, text, link(`#/accounts/${other}`, where), ".");
  if (account.merged_into) card.append(see("Merged into ", account.merged_into, "the surviving account"));
  if (account.parent_id) card.append(see("Part of ", account.parent_id, "a parent account"));
  card.append(details(account, ACCOUNT_FIELDS), el("h3", {}, "Contacts"),
    table(["Name", "Title", "Email", "Phone", "Role", ""], contacts.items.map(contactRow), "No contacts."));
  view.replaceChildren(card);
  if (!sales) return;
  const timeline = el("ul", { class: "timeline" });
  const more = el("button", { type: "button", class: "secondary", hidden: "" }, "More");
  const headings = ["Name", "Stage", "Amount", "Probability", "Expected close", "Owner"];
  card.append(el("h3", {}, "Opportunities"),
    table(headings, opportunities.items.map(opportunityRow), "No opportunities."),
    el("h3", {}, "Timeline"), timeline, more);
  const load = pagedList(timeline, more,
    (cursor) => api(`accounts/${id}/timeline?${queryOf(null, { limit: 50, cursor })}`),
    activityItem, () => el("li", { class: "muted" }, "Nothing logged yet."));
  await load(true);
}

// Moves an opportunity to another stage (the server decides whether the move is legal), then reloads.
async function moveOpportunity(opportunity, stage, reload) {
  if (stage.key === opportunity.stage) return;
  const changes = { stage: stage.key };
  if (stage.category === "lost") {
    const reason = prompt(`Why was "${opportunity.name}" lost?`);
    if (reason === null) return reload();
    changes.loss_reason = reason;
  }
  try {
    await api(`opportunities/${opportunity.id}`,
      { method: "PATCH", json: changes, headers: { "If-Match": `"${opportunity.version}"` } });
    toast(`${opportunity.name} moved to ${stage.name}.`);
  } catch (error) { toast(error.message); } // an illegal move's problem names the legal ones
  await reload();
}

// A card of the board: drag it to a column, or pick the stage in its menu.
function opportunityCard(opportunity, stages, move) {
  const when = [day(opportunity.expected_close_date), opportunity.owner].filter(Boolean).join(" · ");
  const menu = el("select", { "aria-label": `Stage of ${opportunity.name}`,
    onchange: (event) => move(opportunity, stages.find((stage) => stage.key === event.target.value)) },
  ...stages.map((stage) => option(stage.key, stage.name, stage.key === opportunity.stage)));
  return el("article", { class: "opportunity", draggable: "true",
    ondragstart: (event) => event.dataTransfer.setData("text/plain", opportunity.id) },
  link(`#/accounts/${opportunity.account_id}`, opportunity.name),
  el("div", {}, money(opportunity.amount, opportunity.currency)), el("div", { class: "muted" }, when), menu);
}

function stageColumn(stage, currency, cards, drop) {
  const hidden = stage.count - stage.items.length;
  const over = (event, on) => { event.preventDefault(); event.currentTarget.classList.toggle("over", on); };
  return el("section", { class: `column ${stage.category}`,
    ondragover: (event) => over(event, true), ondragleave: (event) => over(event, false),
    ondrop: (event) => { over(event, false); drop(event.dataTransfer.getData("text/plain")); } },
  el("h3", {}, stage.name, " ", el("span", { class: "muted" }, `${stage.probability} %`)),
  el("p", { class: "muted" }, `${stage.count} · ${money(stage.amount, currency)}`,
    ` · weighted ${money(stage.weighted_amount, currency)}`),
  ...cards, hidden > 0 ? el("p", { class: "muted" }, `and ${hidden} more`) : "");
}

async function showPipeline(pipelineId) {
  mount("pipeline");
  const filters = document.getElementById("board-filters");
  const board = document.getElementById("board");
  const pipelines = (await api("pipelines")).items;
  const current = pipelines.find((pipeline) => pipeline.id === pipelineId) ||
    pipelines.find((pipeline) => pipeline.is_default) || pipelines[0];
  if (!current) { board.replaceChildren(el("p", { class: "muted" }, "No pipeline is configured.")); return; }
  filters.elements.pipeline.replaceChildren(
    ...pipelines.map((pipeline) => option(pipeline.id, pipeline.name, pipeline.id === current.id)));
  filters.elements.pipeline.onchange = (event) => { location.hash = `#/pipeline/${event.target.value}`; };
  const move = (opportunity, stage) => moveOpportunity(opportunity, stage, load).catch((e) => toast(e.message));
  const load = async () => {
    const answer = await api(`pipelines/${current.id}/board?${queryOf(filters, { pipeline: null })}`);
    const opportunities = new Map(answer.stages.flatMap((stage) => stage.items).map((item) => [item.id, item]));
    const missing = answer.missing_rates || [];
    const note = document.getElementById("missing-rates");
    note.hidden = !missing.length;
    note.textContent = `No exchange rate for ${missing.join(", ")}: those amounts are left out of the sums.`;
    board.replaceChildren(...answer.stages.map((stage) => stageColumn(stage, answer.currency,
      stage.items.map((item) => opportunityCard(item, answer.pipeline.stages, move)),
      (id) => opportunities.has(id) && move(opportunities.get(id), stage))));
  };
  filters.addEventListener("submit", (event) => { event.preventDefault(); load().catch((e) => toast(e.message)); });
  await load();
}

async function route() {
  const hash = location.hash || "#/leads";
  if (!token() && hash !== "#/signin") { location.hash = "#/signin"; return; }
  if (hash === "#/signin") { document.getElementById("nav").hidden = true; return showSignIn(); }
  document.getElementById("nav").hidden = false;
  try {
    if (!route.me) {
      route.me = await api("me");
      document.getElementById("who").textContent = `${route.me.username} (${route.me.role})`;
      document.getElementById("nav-pipeline").hidden = !can("sales:read");
    }
    const lead = hash.match(/^#\/leads\/([0-9a-f-]{36})$/);
    if (lead) return await showLead(lead[1]);
    const account = hash.match(/^#\/accounts\/([0-9a-f-]{36})$/);
    if (account) return await showAccount(account[1]);
    if (hash === "#/accounts") return await showAccounts();
    const pipeline = hash.match(/^#\/pipeline(?:\/([a-z0-9][a-z0-9_-]*))?$/);
    if (pipeline) return await showPipeline(pipeline[1]);
    if (hash === "#/new") return await showNewLead();
    if (hash === "#/import") return await showImport();
    return await showLeads();
  } catch (error) { view.replaceChildren(el("p", { class: "error" }, error.message)); }
}

document.getElementById("signout").addEventListener("click", signOut);
window.addEventListener("hashchange", route);
route();
