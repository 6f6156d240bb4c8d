"""Knowledge search over 50,000 articles: ``support.search_articles`` from a
plain process, one request at a time.

A scratch database of its own (dropped afterwards) is migrated and filled
with COPY: 50,000 articles (titles of 3-8 words, bodies of 60-400 words, 0-3
tags) in English (80 %), German and French, most published, half public,
over 20 categories.  Words are drawn with a Zipf-like skew from a
vocabulary of common support words and generated ones, so some words are in
most articles and some in a handful; the database computes the weighted
search vectors as the rows arrive.  A support service process runs on it,
on a RabbitMQ vhost of its own.

Measured, alternating request by request so all see the same machine: a
ranked search (one page of 20, snippets and highlights) for a mix of texts
(a common word, two words, a rare word, a phrase, a filtered search) and,
as the baseline, the service's trivial ``health`` RPC; then the public
search, suggestions for a case, and the same searches computed in-process
over one database connection (the service's share without the broker).

    python -m bench.support_kb [--articles 50000] [--requests 500]

(reads CRM_BENCH_DATABASE_URL, CRM_BENCH_AMQP_URI and CRM_BENCH_RABBIT_API, as ``make bench`` sets them).
"""

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from psycopg.rows import dict_row
from rich.console import Console
from rich.table import Table

from bench.customer_value import OwnVhost, create_database, drop_database
from bench.stats import latency_summary
from shared.kit.config import load_component_config
from shared.kit.health import check
from shared.kit.migrate import migrate_component
from shared.kit.testing import RpcCluster

ROOT = Path(__file__).resolve().parents[1]
SERVICE = "support"
WARMUP = 20
CATEGORIES = 20


def _list(text):
    return text.split()


COMMON = _list("password reset login account email invoice payment printer network router wifi error update "
               "install setup settings user admin export import report dashboard mobile app browser cache sync "
               "calendar "
               "contact order shipping refund delivery license subscription plan upgrade backup restore security "
               "token api integration webhook timeout crash slow performance storage quota permission role team")
GERMAN = _list("passwort zurücksetzen anmeldung konto rechnung zahlung drucker netzwerk fehler einstellungen")
FRENCH = _list("mot de passe réinitialiser connexion compte facture paiement imprimante réseau erreur paramètres")
STOP_WORDS = _list("the a to of and in is you it for on with your this that be can if or not")
COMMON_FROM = 40
SYLLABLES = _list("ka lo mi ne ru sa te vi do pe gra tor lin mas fel qui zor bex")
LANGUAGES = (("en", 80), ("de", 10), ("fr", 10))
STATUSES = (("published", 85), ("draft", 8), ("in_review", 3), ("archived", 4))
# (label, query): what the measured searches look for (filled in with the vocabulary).
SEARCHES = (
    ("a common word", lambda v: {"q": v["common"][0]}),
    ("two words", lambda v: {"q": f"{v['common'][1]} {v['common'][5]}"}),
    ("a rare word", lambda v: {"q": v["rare"]}),
    ("a phrase", lambda v: {"q": f'"{v["common"][0]} {v["common"][1]}"'}),
    ("two words, published public in English", lambda v: {
        "q": f"{v['common'][2]} {v['common'][3]}", "status": ["published"], "visibility": "public", "language": "en"}),
)


def _vocabulary(rng, size=20_000):
    """Words in the order of their frequency: the support words from rank
    COMMON_FROM on (each then in some 10-30 % of the articles), generated
    words around and after them (the rarest in a few articles)."""
    generated = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 5))) for _ in range(size * 2)})
    rng.shuffle(generated)
    generated = generated[:size]
    return generated[:COMMON_FROM] + COMMON + generated[COMMON_FROM:]


def _words(rng, vocabulary, cum_weights, count):
    """``count`` words of running text: a share of stop words (which search
    drops), the rest drawn with a Zipf-like skew from the vocabulary."""
    words = rng.choices(vocabulary, cum_weights=cum_weights, k=count)
    for index in range(0, count, 2):
        words[index] = rng.choice(STOP_WORDS)
    return words


def fill(database_url, articles, seed=11):
    """COPY the categories and articles; returns counts, the words to search and seconds."""
    rng = random.Random(seed)
    started = time.monotonic()
    vocabulary = _vocabulary(rng)
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    languages = rng.choices(*zip(*LANGUAGES, strict=True), k=articles)
    statuses = rng.choices(*zip(*STATUSES, strict=True), k=articles)
    category_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(CATEGORIES)]
    with psycopg.connect(database_url, options="-c search_path=support,public") as conn:
        with conn.cursor().copy("COPY kb_categories (id, name, slug, position) FROM STDIN") as copy:
            for index, category_id in enumerate(category_ids):
                copy.write_row((category_id, f"Category {index}", f"category-{index}", index))
        ids = []
        with conn.cursor().copy(
                "COPY articles (id, slug, title, body, body_html, body_text, tags, category_id, language, visibility,"
                " status, author, published_number, published_at, published_by) FROM STDIN") as copy:
            for index in range(articles):
                article_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                ids.append(article_id)
                language = languages[index]
                local = {"de": GERMAN, "fr": FRENCH}.get(language, [])
                title_words = _words(rng, vocabulary, weights, rng.randint(3, 8))
                body_words = _words(rng, vocabulary, weights, rng.randint(60, 400))
                if local:
                    title_words[0] = rng.choice(local)
                    body_words[::7] = [rng.choice(local) for _ in body_words[::7]]
                title = " ".join(title_words).capitalize()
                body = " ".join(body_words)
                status = statuses[index]
                published = status in ("published", "archived")
                copy.write_row((article_id, f"article-{index}", title, body, f"<p>{body}</p>", body,
                                sorted(set(rng.choices(COMMON, k=rng.randint(0, 3)))),
                                rng.choice(category_ids), language, rng.choice(("internal", "public")), status,
                                "bench", 1 if published else None, "2026-01-01T00:00:00Z" if published else None,
                                "bench" if published else None))
        with conn.cursor().copy("COPY article_stats (article_id) FROM STDIN") as copy:
            for article_id in ids:
                copy.write_row((article_id,))
        conn.execute("UPDATE customers_sync SET done_at = now()")  # no sales here to catch up with
    with psycopg.connect(database_url, autocommit=True, options="-c search_path=support,public") as conn:
        conn.execute("VACUUM (ANALYZE) articles, kb_categories, article_stats")
    rare = vocabulary[len(vocabulary) // 4]
    return {"articles": articles, "categories": CATEGORIES, "ids": ids,
            "words": {"common": COMMON[:8], "rare": rare}, "seconds": round(time.monotonic() - started, 1)}


def seed_case(database_url, words):
    case_id = str(uuid.uuid4())
    with psycopg.connect(database_url, options="-c search_path=support,public") as conn:
        conn.execute("INSERT INTO cases (id, number_seq, number, subject, description) VALUES (%s, 1, 'CASE-000001',"
                     " %s, %s)", (case_id, f"My {words[0]} does not {words[1]}",
                                  f"Since the {words[4]} the {words[2]} shows an {words[3]}. What should I do?"))
    return case_id


# The service on a vhost of its own ------------------------------------------------------------

def start_service(env, log_path, timeout=90):
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([sys.executable, "-m", "shared.kit.run", SERVICE], env=env, cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT)
    config = load_component_config(SERVICE, env)
    deadline = time.monotonic() + timeout
    while True:
        try:
            check(SERVICE, config, timeout=2)
            return process, log, config
        except Exception:  # noqa: BLE001 - not up yet
            if process.poll() is not None or time.monotonic() > deadline:
                stop_service(process, log)
                raise RuntimeError(f"the support service did not answer within {timeout} s; see {log_path}") \
                    from None
            time.sleep(0.5)


def stop_service(process, log):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


# Measuring --------------------------------------------------------------------------------------

def _timed(call):
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def _queries(words):
    return [(label, make(words)) for label, make in SEARCHES]


def measure_rpc(config, words, case_id, requests_count):
    queries = _queries(words)
    search_times, health_times, public_times, suggest_times = [], [], [], []
    by_label = {label: [] for label, _ in queries}
    hits = {}
    with RpcCluster(config, timeout=60) as cluster:
        support = cluster.support
        for index in range(WARMUP):
            support.search_articles({**queries[index % len(queries)][1], "limit": 20})
            support.health()
        for index in range(requests_count):
            label, query = queries[index % len(queries)]
            seconds, answer = _timed(lambda query=query: support.search_articles({**query, "limit": 20}))
            search_times.append(seconds)
            by_label[label].append(seconds)
            hits[label] = len(answer["items"])
            health_times.append(_timed(support.health)[0])
        for index in range(max(requests_count // 5, 50)):
            _, query = queries[index % 3]
            public_times.append(_timed(lambda query=query: support.search_public_articles(
                {"q": query["q"], "limit": 20}))[0])
            suggest_times.append(_timed(lambda: support.suggested_articles(case_id))[0])
    return {"search": latency_summary(search_times), "health": latency_summary(health_times),
            "by_query": {label: latency_summary(times) for label, times in by_label.items()},
            "hits_on_first_page": hits, "public_search": latency_summary(public_times),
            "suggestions": latency_summary(suggest_times)}


def measure_in_process(database_url, words, requests_count):
    """The same searches over one connection: the database and the Python rules alone."""
    from services.support.kb import commands, search
    from shared.schemas.support.kb import ArticleQuerySchema

    queries = [(label, ArticleQuerySchema().load({**query, "limit": 20})) for label, query in _queries(words)]
    times = []
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row,
                         options="-c search_path=support,public") as conn:
        def one(query):
            with conn.transaction():
                commands.search_articles(conn, query)

        for index in range(WARMUP):
            one(queries[index % len(queries)][1])
        for index in range(requests_count):
            times.append(_timed(lambda index=index: one(queries[index % len(queries)][1]))[0])
        # The first tier of a ranked search: the title and tags' index (the whole text's index is left to
        # the planner: a word in a quarter of the articles is read faster by a scan).
        table, params = search.query_table(conn, words["common"][1])
        head_join = search.JOIN_QUERY.format(table=table).replace("a.search_vector", "a.head_vector")
        plan = conn.execute(f"EXPLAIN (FORMAT JSON) SELECT a.id FROM articles a{head_join}", params).fetchone()
    uses_index = "articles_search_head" in json.dumps(plan)
    return {"search": latency_summary(times), "head_index_used": uses_index}


def run(database_url, amqp_base, rabbit_api, articles=50_000, requests_count=500, progress=print):
    """The knowledge search part: fill a scratch database beside ``database_url``, measure, drop it."""
    scratch = create_database(database_url)
    try:
        env = {**os.environ, "DATABASE_URL": scratch, "LOG_LEVEL": "WARNING", "OPS_PORT": "0", "IMAP_HOST": "",
               "SLA_SWEEP_SECONDS": "3600", "MAIL_SEND_SECONDS": "3600"}
        migrate_component(SERVICE, load_component_config(SERVICE, env))
        progress(f"knowledge search: filling {articles:,} articles (COPY) ...")
        seeded = fill(scratch, articles)
        case_id = seed_case(scratch, seeded["words"]["common"])
        logs = ROOT / ".crm" / "bench-logs"
        logs.mkdir(parents=True, exist_ok=True)
        with OwnVhost(amqp_base, rabbit_api) as vhost:
            process, log, config = start_service({**env, "AMQP_URI": vhost.amqp_uri}, logs / "support-kb.log")
            try:
                progress(f"knowledge search: {requests_count} searches (and as many health RPCs, alternating) ...")
                rpc = measure_rpc(config, seeded["words"], case_id, requests_count)
            finally:
                stop_service(process, log)
        in_process = measure_in_process(scratch, seeded["words"], requests_count)
    finally:
        drop_database(scratch)
    seed = {key: seeded[key] for key in ("articles", "categories", "seconds")}
    return {"seed": seed, "requests": requests_count, "rpc": rpc, "in_process": in_process,
            "ratio_p50_over_health": round(rpc["search"]["median_ms"] / rpc["health"]["median_ms"], 2)}


def _pair(item):
    return f"{item['median_ms']:,.2f} / {item['p99_ms']:,.2f}"


def table(value, machine):
    seed, rpc = value["seed"], value["rpc"]
    out = Table(title=f"Knowledge search (same run, {machine['cores']} cores, {machine['cpu']})",
                caption=f"{seed['articles']:,} articles in {seed['categories']} categories (filled in "
                        f"{seed['seconds']} s); {value['requests']} searches, one at a time, pages of 20 with "
                        "snippets, after a warm-up; baseline: the health RPC, alternating with the searches; "
                        f"title and tags' GIN index used: {value['in_process']['head_index_used']}")
    for column, justify in (("measure", "left"), ("p50 / p99 ms", "right"), ("p50 / baseline p50", "right")):
        out.add_column(column, justify=justify)
    health = rpc["health"]["median_ms"]
    out.add_row("RPC support.search_articles, the mix", _pair(rpc["search"]), f"{value['ratio_p50_over_health']:.2f}x")
    for label, item in rpc["by_query"].items():
        out.add_row(f"  {label} ({rpc['hits_on_first_page'].get(label, 0)} hits on page 1)", _pair(item),
                    f"{item['median_ms'] / health:.2f}x")
    out.add_row("RPC support.health (baseline)", _pair(rpc["health"]), "1.00x")
    out.add_row("RPC support.search_public_articles", _pair(rpc["public_search"]),
                f"{rpc['public_search']['median_ms'] / health:.2f}x")
    out.add_row("RPC support.suggested_articles (a case's subject and description)", _pair(rpc["suggestions"]),
                f"{rpc['suggestions']['median_ms'] / health:.2f}x")
    out.add_row("in-process (one connection), the mix", _pair(value["in_process"]["search"]), "")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    from bench.__main__ import machine

    console = Console()
    result = run(os.environ["CRM_BENCH_DATABASE_URL"], os.environ["CRM_BENCH_AMQP_URI"],
                 os.environ["CRM_BENCH_RABBIT_API"], args.articles, args.requests, progress=console.print)
    result["machine"] = machine()
    console.print(table(result, result["machine"]))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
