"""Streaming a CSV upload into import batches without holding the file.

The body (``text/csv``) or the ``file`` part of a ``multipart/form-data``
form is wrapped in ``io.TextIOWrapper(encoding='utf-8-sig', newline='')`` and
read by ``csv.reader`` row by row; rows go out in batches of 2,000 (or fewer
when they are large).
"""

import csv
import io
import re

from flask import g, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from gateway.problems import HttpProblem
from gateway.resources import resources

CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")
BATCH_ROWS = 2000
BATCH_CHARS = 4_000_000
FILENAME_MAX = 255
# A name to show: no control characters (the same rule in the document and here).
FILENAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"


class _RawStream(io.RawIOBase):
    """Any object with ``read(n)`` as a raw binary stream for io's buffers."""

    def __init__(self, source):
        self._source = source

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._source.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        return size


class UploadBroken(Exception):
    """The file became unreadable part way (bad encoding, bad CSV, too large)."""

    def __init__(self, status, detail, line):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.line = line


class WholeBody:
    """The request body, refusing to end before its Content-Length: a body
    that stops short is a client that went away (a server may hand the
    application the bytes it got and an end of file), never a smaller file
    to import as if it were whole."""

    def __init__(self, stream, content_length):
        self.stream = stream
        self.expected = content_length
        self.received = 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.received += len(data)
        if not data and self.expected is not None and self.received < self.expected:
            raise ClientDisconnected(f"The body ended after {self.received} of its {self.expected} bytes.")
        return data


def open_upload():
    """The binary source of the CSV: the body, or the form's ``file`` part.
    Sets ``g.crm_upload_filename`` from the part's filename."""
    request.max_content_length = resources().settings["IMPORT_MAX_BYTES"]
    g.crm_upload_filename = None
    if request.mimetype in CSV_TYPES:
        return WholeBody(request.stream, request.content_length)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None and request.form.get("file"):  # the CSV text as a plain form field
            return io.BytesIO(request.form["file"].encode())
        if upload is None:
            raise HttpProblem(400, "Send the CSV file in a form field named 'file'.", title="No file",
                              errors={"file": ["Missing."]})
        g.crm_upload_filename = upload.filename or None
        return upload.stream
    raise HttpProblem(415, "Send the CSV as the body with 'Content-Type: text/csv', or as the 'file' field of a "
                           "multipart/form-data form.", errors={"Content-Type": ["Must be text/csv or multipart."]})


def text_of(source):
    return io.TextIOWrapper(io.BufferedReader(_RawStream(source), 64 * 1024), encoding="utf-8-sig", newline="")


class CsvRows:
    """Non-blank CSV rows of a text stream; a read failure becomes UploadBroken."""

    def __init__(self, text):
        self.reader = csv.reader(text)

    @property
    def line(self):
        return self.reader.line_num

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            try:
                row = next(self.reader)
            except UnicodeDecodeError:
                raise UploadBroken(400, f"The file is not UTF-8 text (near line {self.line + 1}); save it as "
                                        "CSV UTF-8.", self.line + 1) from None
            except csv.Error as exc:
                raise UploadBroken(400, f"The file is not valid CSV at line {self.line}: {exc}.", self.line) from None
            except RequestEntityTooLarge:
                raise UploadBroken(413, "The file is larger than this gateway accepts "
                                        f"({resources().settings['IMPORT_MAX_BYTES']} bytes); split it.",
                                   self.line) from None
            if any("\x00" in cell for cell in row):
                raise UploadBroken(400, f"Line {self.line} holds a NUL character; is the file really CSV text?",
                                   self.line)
            if any(cell.strip() for cell in row):
                return row


def batches(rows, batch_rows=BATCH_ROWS, batch_chars=BATCH_CHARS):
    """Lists of rows: at most ``batch_rows`` each, fewer when they hold more
    than ``batch_chars`` characters."""
    batch, chars = [], 0
    for row in rows:
        batch.append(row)
        chars += sum(len(cell) for cell in row)
        if len(batch) >= batch_rows or chars >= batch_chars:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def upload_filename():
    name = request.args.get("filename") or g.get("crm_upload_filename")
    if name is not None and (len(name) > FILENAME_MAX or not re.match(FILENAME_PATTERN, name)):
        raise HttpProblem(422, f"filename must be at most {FILENAME_MAX} characters, none of them control characters.",
                          title="Validation failed", errors={"filename": ["Invalid."]})
    return name
