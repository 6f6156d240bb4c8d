"""The CSV upload is streamed in batches (never read whole), and unusable
files are refused before a job exists.  The stand-in RPC pool records what
the leads service would be sent."""

import io

from tests.gateway.conftest import WatchedBody, assert_problem, bearer

JOB_ID = "5b0c1f4e-2222-4c1e-9a55-2f9f5f0d1a33"


def job(**fields):
    return {"id": JOB_ID, "status": "receiving", "filename": None, "rows_received": 0, "rows_done": 0,
            "rows_created": 0, "rows_failed": 0, "rows_per_second": None, "created_by": "x",
            "created_at": "2024-01-01T00:00:00+00:00", "finished_at": None, "error": None, **fields}


def answer_jobs(fake_rpc):
    fake_rpc.answers[("leads", "start_import")] = lambda filename, header, actor, upload_key: job(filename=filename)
    fake_rpc.answers[("leads", "import_rows")] = lambda job_id, seq, rows, first_row: {"rows_received": 0}
    fake_rpc.answers[("leads", "finish_import")] = lambda job_id, batches: job(status="processing")


def csv_bytes(rows, header="first_name,last_name,email"):
    lines = [header] + [f"Ada{n},Lovelace{n},ada{n}@example.com" for n in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_rows_go_out_in_numbered_batches_of_2000(client, tokens, fake_rpc):
    answer_jobs(fake_rpc)
    response = client.post("/api/v1/leads/imports?filename=people.csv", data=b"\xef\xbb\xbf" + csv_bytes(4500),
                           headers={**bearer(tokens["sales"]), "Content-Type": "text/csv"})
    assert response.status_code == 202, response.get_json()
    assert response.headers["Location"] == f"/api/v1/leads/imports/{JOB_ID}"
    assert response.get_json()["status"] == "processing"
    start, *batches, finish = fake_rpc.calls
    assert start[1] == "start_import"
    filename, header, actor, _upload_key = start[2]
    assert (filename, header) == ("people.csv", ["first_name", "last_name", "email"])  # BOM dropped
    assert actor == fake_rpc_username(client, tokens["sales"])
    assert [(call[1], call[2][1], len(call[2][2]), call[2][3]) for call in batches] == [
        ("import_rows", 1, 2000, 1), ("import_rows", 2, 2000, 2001), ("import_rows", 3, 500, 4001)]
    assert batches[0][2][2][0] == ["Ada0", "Lovelace0", "ada0@example.com"]
    assert finish[1:] == ("finish_import", (JOB_ID, 3))


def fake_rpc_username(client, token):
    return client.get("/api/v1/me", headers=bearer(token)).get_json()["username"]


def test_quoted_fields_blank_lines_and_multipart(client, tokens, fake_rpc):
    answer_jobs(fake_rpc)
    data = b'last_name,notes\n"Lovelace","line one\nline two, with comma"\n\n"Hopper",""\n'
    response = client.post("/api/v1/leads/imports", data={"file": (io.BytesIO(data), "people.csv")},
                           headers=bearer(tokens["sales"]), content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    start, rows, _ = fake_rpc.calls
    assert start[2][0] == "people.csv"
    assert rows[2][2] == [["Lovelace", "line one\nline two, with comma"], ["Hopper", ""]]


def test_the_body_is_streamed_not_read_whole(client, tokens, fake_rpc):
    answer_jobs(fake_rpc)
    data = csv_bytes(20_000)
    body = WatchedBody(data)
    read_at_first_batch = []
    fake_rpc.answers[("leads", "import_rows")] = lambda job_id, seq, rows, first_row: read_at_first_batch.append(
        body.read_bytes) or {}
    response = client.post("/api/v1/leads/imports", input_stream=body, headers={
        **bearer(tokens["sales"]), "Content-Type": "text/csv", "Content-Length": str(len(data))})
    assert response.status_code == 202, response.get_json()
    assert len(read_at_first_batch) == 10
    # when batch 1 went out, only a little more than its 2,000 rows had been read
    assert read_at_first_batch[0] < len(data) / 4


def test_empty_files_and_missing_headers_make_no_job(client, tokens, fake_rpc):
    answer_jobs(fake_rpc)
    sales = {**bearer(tokens["sales"]), "Content-Type": "text/csv"}
    for data, detail in [(b"", "empty"), (b"\r\n\r\n", "empty"), (b"\xef\xbb\xbf", "empty"),
                         (b"first_name,last_name\r\n", "no data rows"), (b",,\r\nAda,Lovelace\r\n", "no data rows")]:
        body = assert_problem(client.post("/api/v1/leads/imports", data=data, headers=sales), 400, "file")
        assert detail in body["detail"]
    assert fake_rpc.calls == []


def test_unreadable_files_make_no_job(client, tokens, fake_rpc):
    answer_jobs(fake_rpc)
    sales = {**bearer(tokens["sales"]), "Content-Type": "text/csv"}
    latin1 = "last_name\nMüller\n".encode("latin-1")
    assert "UTF-8" in assert_problem(client.post("/api/v1/leads/imports", data=latin1, headers=sales), 400,
                                     "file")["detail"]
    nul = b"last_name\nA\x00B\n"
    assert_problem(client.post("/api/v1/leads/imports", data=nul, headers=sales), 400, "file")
    assert fake_rpc.calls == []


def test_wrong_upload_shapes(client, tokens, fake_rpc):
    sales = bearer(tokens["sales"])
    assert_problem(client.post("/api/v1/leads/imports", json={"rows": []}, headers=sales), 415, "Content-Type")
    response = client.post("/api/v1/leads/imports", data={"upload": (io.BytesIO(b"last_name\nX\n"), "a.csv")},
                           headers=sales, content_type="multipart/form-data")
    assert_problem(response, 400, "file")
    response = client.post("/api/v1/leads/imports?filename=" + "f" * 256, data=b"last_name\nX\n",
                           headers={**sales, "Content-Type": "text/csv"})
    assert_problem(response, 422, "filename")
    response = client.post("/api/v1/leads/imports?colour=red", data=b"last_name\nX\n",
                           headers={**sales, "Content-Type": "text/csv"})
    assert_problem(response, 422, "colour")
    assert fake_rpc.calls == []


def test_a_file_breaking_off_closes_the_job_with_what_came(client, tokens, fake_rpc):
    answer_jobs(fake_rpc)
    data = csv_bytes(2500) + "Müller,X,x@example.com\n".encode("latin-1")
    response = client.post("/api/v1/leads/imports", data=data,
                           headers={**bearer(tokens["sales"]), "Content-Type": "text/csv"})
    body = assert_problem(response, 400, "file")
    assert body["import_id"] == JOB_ID
    assert response.headers["Location"] == f"/api/v1/leads/imports/{JOB_ID}"
    assert fake_rpc.methods() == ["start_import", "import_rows", "finish_import"]
    assert fake_rpc.calls[-1][2] == (JOB_ID, 1)


def test_too_large_upload_is_413(client, tokens, fake_rpc, app):
    app.extensions["gateway"].settings["IMPORT_MAX_BYTES"] = 1000
    response = client.post("/api/v1/leads/imports", data=csv_bytes(100),
                           headers={**bearer(tokens["sales"]), "Content-Type": "text/csv"})
    assert_problem(response, 413)
    assert fake_rpc.calls == []
