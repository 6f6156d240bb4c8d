"""CSV import of many leads through the gateway: rows per second, and the
time until every one of their lead.created events has been published."""

import csv
import tempfile
import time
import uuid

import psycopg

HEADER = ["first_name", "last_name", "email", "phone", "company", "title", "industry", "country", "company_size",
          "Favourite colour"]
TITLES = ["VP Sales", "Engineer", "Head of IT", "Director of Marketing", "Analyst", "CEO"]
INDUSTRIES = ["software", "manufacturing", "retail", "finance", "healthcare"]
COUNTRIES = ["DE", "FR", "US", "GB", "NL", "ES"]


def write_csv(path, rows, run):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow([f"First{n}", f"Last{n}", f"lead{n}.{run}@bench.test", f"+49 30 {n:07d}",
                             f"Company {n % 5000} {run}", TITLES[n % 6], INDUSTRIES[n % 5], COUNTRIES[n % 6],
                             (n % 20) * 50, "blue"])


def pending_events(database_url, job_id):
    with psycopg.connect(database_url, options="-c search_path=leads") as conn:
        return conn.execute(
            "SELECT count(*) FROM outbox o JOIN leads l ON l.id = (o.body::jsonb #>> '{data,lead,id}')::uuid"
            " WHERE o.published_at IS NULL AND o.event_type = 'lead.created' AND l.import_job_id = %s",
            (job_id,),
        ).fetchone()[0]


def run(stack, rows=100_000, progress=None):
    run_id = uuid.uuid4().hex[:6]
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        write_csv(handle.name, rows, run_id)
        session = stack.session()
        started = time.perf_counter()
        with open(handle.name, "rb") as body:
            response = session.post(f"{stack.url}/api/v1/leads/imports?filename=bench.csv", data=body,
                                    headers={"Content-Type": "text/csv"})
        if response.status_code != 202:
            raise RuntimeError(f"import refused: {response.status_code} {response.text[:300]}")
        uploaded = time.perf_counter() - started
        job_id = response.json()["id"]
        while True:
            job = session.get(f"{stack.url}/api/v1/leads/imports/{job_id}").json()
            if progress:
                progress(job["rows_done"], rows)
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
        processed = time.perf_counter() - started
        while pending_events(stack.database_url, job_id):
            time.sleep(0.2)
        published = time.perf_counter() - started
    return {
        "rows": rows, "rows_created": job["rows_created"], "rows_failed": job["rows_failed"],
        "upload_seconds": round(uploaded, 2), "seconds_until_done": round(processed, 2),
        "rows_per_second": round(rows / processed), "seconds_until_events_published": round(published, 2),
        "server_rows_per_second": job["rows_per_second"],
    }
