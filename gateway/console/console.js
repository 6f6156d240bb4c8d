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
  const errors = (error.problem && error.problem.errors) || {};
  let placed = false;
  for (const [field, messages] of Object.entries(errors)) {
    const input = form.elements[field];
    const text = [].concat(messages).join(" ");
    if (input) { input.after(el("span", { class: "field-error" }, text)); placed = true; }
  }
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
  const rows = document.getElementById("rows");
  const more = document.getElementById("more");
  const filters = document.getElementById("filters");
  let cursor = null;

  const query = () => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(formData(filters))) params.append(key, value);
    return params;
  };
  const load = async (reset) => {
    const params = query();
    params.set("limit", "50");
    if (!reset && cursor) params.set("cursor", cursor);
    const page = await api(`leads?${params}`);
    if (reset) rows.replaceChildren();
    for (const lead of page.items) {
      rows.append(el("tr", { onclick: () => { location.hash = `#/leads/${lead.id}`; } },
        el("td", {}, leadName(lead)), el("td", {}, lead.company), el("td", {}, lead.email),
        el("td", {}, el("span", { class: "badge" }, lead.status)), el("td", {}, lead.owner),
        el("td", {}, String(lead.score)), el("td", {}, new Date(lead.created_at).toLocaleString())));
    }
    if (!page.items.length && reset) rows.append(el("tr", {}, el("td", { colspan: "7", class: "muted" }, "No leads match.")));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    const counts = await api(`leads/counts?${query()}`);
    document.getElementById("counts").replaceChildren(el("span", {}, `Total ${counts.total}`),
      ...Object.entries(counts.by_status).map(([status, n]) => el("span", {}, `${status} ${n}`)));
  };
  filters.addEventListener("submit", (event) => { event.preventDefault(); load(true).catch((e) => toast(e.message)); });
  more.addEventListener("click", () => load(false).catch((e) => toast(e.message)));
  await load(true);
}

async function showLead(id) {
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
  const details = el("dl");
  for (const field of fields) {
    if (lead[field] === null || lead[field] === undefined || lead[field] === "") continue;
    details.append(el("dt", {}, field.replace("_", " ")), el("dd", {}, String(lead[field])));
  }
  for (const [key, value] of Object.entries(lead.attributes || {})) {
    details.append(el("dt", {}, key), el("dd", {}, typeof value === "string" ? value : JSON.stringify(value)));
  }
  const scoring = el("ul", {}, ...score.contributions.map((item) => el("li", {}, `${item.name}: ${item.points > 0 ? "+" : ""}${item.points}`)));
  const timeline = el("ul", {}, ...history.items.map((item) =>
    el("li", {}, `${new Date(item.at).toLocaleString()} · ${item.actor || "system"} · ${item.action}`)));
  view.replaceChildren(card);
  card.append(actions, details, el("h3", {}, "Why this score"), scoring, el("h3", {}, "History"), timeline);
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

async function route() {
  const hash = location.hash || "#/leads";
  if (!token() && hash !== "#/signin") { location.hash = "#/signin"; return; }
  if (hash === "#/signin") { document.getElementById("nav").hidden = true; return showSignIn(); }
  document.getElementById("nav").hidden = false;
  try {
    if (!route.me) {
      route.me = await api("me");
      document.getElementById("who").textContent = `${route.me.username} (${route.me.role})`;
    }
    const lead = hash.match(/^#\/leads\/([0-9a-f-]{36})$/);
    if (lead) return await showLead(lead[1]);
    if (hash === "#/new") return await showNewLead();
    if (hash === "#/import") return await showImport();
    return await showLeads();
  } catch (error) { view.replaceChildren(el("p", { class: "error" }, error.message)); }
}

document.getElementById("signout").addEventListener("click", signOut);
window.addEventListener("hashchange", route);
route();
