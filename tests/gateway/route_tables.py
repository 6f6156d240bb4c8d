"""The checks every route table of the gateway gets, written once.

A test module lists its routes and inherits the checks it needs in a test
class; the class's attributes are the module's table:

    class TestQuoteRoutes(AreaChecks, SchemaChecks, FormBodyCheck, IfMatchCheck):
        routes = ROUTES          # (method, path, permission, a valid body or None, (service, rpc method))
        allowed = ALLOWED        # permission -> the roles that hold it, written out from the spec
        answers = ANSWERS        # (service, rpc method) -> the stand-in answer
        covers = staticmethod(lambda rule: rule.endpoint.startswith("quotes."))  # the app rules the table owns

``RouteChecks``: the permissions are the spec's; every route of the area is
in the table; 401 without a token; each role gets what its permission
allows (403 naming it, and no RPC, otherwise).
``BadInputChecks``: ``bad_bodies`` ({(method, path): [(body, field)]}) are
422 naming the field, ``bad_queries`` ([(path, field or None)]) 422 naming
the field (any 4xx when None); neither reaches a service.
``MalformedIdChecks``: ``malformed`` ([(method, path, body)]) is a 404 problem.
``FormBodyCheck`` (``form_route``) and ``IfMatchCheck`` (``if_match_route``,
(method, path, role)): a form body, a malformed If-Match are refused.
``ServiceErrorChecks``: ``service_errors`` ([(rpc method, error, status)]):
the error raised by the RPC of the first route making it keeps its status,
its field errors and its extra members in the problem.
``OpenApiChecks``: every route is in the OpenAPI document (``ids`` turns the
example ids back into the path's parameters) with its 401, 403 and 503
answers; ``SchemaChecks`` adds ``schemas`` ({(template, method): (response,
request or None, status)}), the shared schemas of every route but ``not_json``.
``AreaChecks``: all but the optional ones, for an orders area's table.
"""

import pytest

from gateway.auth import PERMISSIONS
from tests.gateway.conftest import assert_problem, bearer

ROLES = ("admin", "sales", "support", "marketing", "finance", "readonly")
PAGE = {"items": [], "next_cursor": None}


def route_id(route):
    return f"{route[0]} {route[1]}"


def entity(entity_id, version=1, **fields):
    return {"id": entity_id, "version": version, **fields}


def without(body, key):
    return {k: v for k, v in body.items() if k != key}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def send(client, method, path, body=None, headers=None):
    if body is None:
        return client.open(path, method=method, headers=headers or {})
    return client.open(path, method=method, json=body, headers=headers or {})


def answering(answers):
    """A fixture: the stand-in RPC pool answering from ``answers``."""

    @pytest.fixture
    def answered(fake_rpc):
        fake_rpc.answers.update(answers)
        return fake_rpc

    return answered


def body_case_id(case):
    method, path, _, field = case
    return f"{method} {path.split('/api/v1/', 1)[-1]} {field}"


def error_id(case):
    rpc_method, error, status = case
    return f"{rpc_method} {type(error).__name__} {status}"


class TableParameters:
    """Parametrises the checks below from the attributes of the test class."""

    routes = ()
    allowed = {}
    answers = {}
    bad_bodies = {}
    bad_queries = ()
    malformed = ()
    service_errors = ()

    def pytest_generate_tests(self, metafunc):
        cls = metafunc.cls
        if "route" in metafunc.fixturenames:
            metafunc.parametrize("route", cls.routes, ids=route_id)
        if "role" in metafunc.fixturenames:
            metafunc.parametrize("role", ROLES)
        if "bad_body" in metafunc.fixturenames:
            cases = [(method, path, body, field) for (method, path), bodies in cls.bad_bodies.items()
                     for body, field in bodies]
            metafunc.parametrize("bad_body", cases, ids=body_case_id)
        if "bad_query" in metafunc.fixturenames:
            metafunc.parametrize("bad_query", cls.bad_queries, ids=lambda case: case[0].split("/api/v1/", 1)[-1])
        if "malformed" in metafunc.fixturenames:
            metafunc.parametrize("malformed", cls.malformed, ids=lambda case: f"{case[0]} {case[1]}")
        if "service_error" in metafunc.fixturenames:
            metafunc.parametrize("service_error", cls.service_errors, ids=error_id)

    def answer_everything(self, fake_rpc):
        fake_rpc.answers.update(self.answers)
        return fake_rpc

    def route_making(self, rpc_method):
        return next(route for route in self.routes if route[4][1] == rpc_method)

    def role_with(self, permission):
        """A role holding ``permission``, other than admin when there is one."""
        return next((role for role in ROLES[1:] if role in self.allowed[permission]), "admin")


class RouteChecks(TableParameters):
    def test_the_permissions_are_the_specs(self):
        for permission, roles in self.allowed.items():
            assert PERMISSIONS[permission] == roles, permission

    def test_every_route_is_in_the_table(self, app):
        """A new route of the area must be added to the table (and so to every check)."""
        tested = {(method, path.split("?")[0]) for method, path, *_ in self.routes}
        adapter = app.url_map.bind("localhost")
        rules = [rule for rule in app.url_map.iter_rules() if self.covers(rule)]
        assert rules
        for rule in rules:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                matches = [path for m, path in tested if m == method and adapter.test(path, method)
                           and adapter.match(path, method)[0] == rule.endpoint]
                assert matches, f"{method} {rule.rule} is not in the route table"

    def test_no_token_is_401(self, client, fake_rpc, route):
        method, path, _, body, _ = route
        response = send(client, method, path, body)
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert fake_rpc.calls == []

    def test_each_role_gets_what_its_permission_allows(self, client, tokens, fake_rpc, route, role):
        method, path, permission, body, (service, rpc_method) = route
        self.answer_everything(fake_rpc)
        response = send(client, method, path, body, bearer(tokens[role]))
        if role in self.allowed[permission]:
            assert 200 <= response.status_code < 300, (response.status_code, response.get_data(as_text=True))
            assert [(s, m) for s, m, _ in fake_rpc.calls] == [(service, rpc_method)]
        else:
            problem = assert_problem(response, 403)
            assert problem["required_permission"] == permission
            assert fake_rpc.calls == []


class BadInputChecks(TableParameters):
    def test_bad_bodies_are_422_before_any_service_call(self, client, tokens, fake_rpc, bad_body):
        method, path, body, field = bad_body
        response = send(client, method, path, body, bearer(tokens["admin"]))
        assert_problem(response, 422, field)
        assert fake_rpc.calls == []

    def test_bad_queries_are_refused_before_any_service_call(self, client, tokens, fake_rpc, bad_query):
        path, field = bad_query
        response = client.get(path, headers=bearer(tokens["readonly"]))
        if field is None:
            assert 400 <= response.status_code < 500, response.status_code
        else:
            assert_problem(response, 422, field)
        assert fake_rpc.calls == []


class MalformedIdChecks(TableParameters):
    def test_malformed_ids_are_404(self, client, tokens, fake_rpc, malformed):
        method, path, body = malformed
        response = send(client, method, path, body, bearer(tokens["readonly" if method == "GET" else "admin"]))
        assert_problem(response, 404)
        assert fake_rpc.calls == []


class FormBodyCheck(TableParameters):
    form_route = None  # a POST path that takes JSON only

    def test_not_json_is_refused(self, client, tokens, fake_rpc):
        response = client.post(self.form_route, data="account_id=1", headers={
            **bearer(tokens["admin"]), "Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code in (400, 415)
        assert fake_rpc.calls == []


class IfMatchCheck(TableParameters):
    if_match_route = None  # (method, path, role) of a route taking If-Match

    def test_a_bad_if_match_is_400(self, client, tokens, fake_rpc):
        method, path, role = self.if_match_route
        response = send(client, method, path, None, {**bearer(tokens[role]), "If-Match": "yesterday"})
        assert_problem(response, 400)
        assert fake_rpc.calls == []


class ServiceErrorChecks(TableParameters):
    def test_service_errors_keep_their_status(self, client, tokens, fake_rpc, service_error):
        rpc_method, error, status = service_error
        method, path, permission, body, (service, _) = self.route_making(rpc_method)
        fake_rpc.answers[(service, rpc_method)] = error
        problem = assert_problem(send(client, method, path, body, bearer(tokens[self.role_with(permission)])),
                                 status, *error.errors)
        for key, value in error.extra.items():
            assert problem[key] == value, (key, problem)


class OpenApiChecks(TableParameters):
    ids = {}

    def template(self, path):
        path = path.split("?")[0]
        for value, parameter in self.ids.items():
            path = path.replace(value, parameter)
        return path

    def test_every_route_is_documented(self, client):
        spec = client.get("/api/v1/openapi.json").get_json()
        for method, path, *_ in self.routes:
            template = self.template(path)
            assert method.lower() in spec["paths"].get(template, {}), (method, template)
            assert {"401", "403", "503"} <= set(spec["paths"][template][method.lower()]["responses"]), \
                (method, template)


class SchemaChecks(OpenApiChecks):
    schemas = {}
    not_json = ()

    def test_the_routes_answer_the_shared_schemas(self, client):
        spec = client.get("/api/v1/openapi.json").get_json()
        documented = {(self.template(path), method.lower()) for method, path, *_ in self.routes}
        assert documented == set(self.schemas) | set(self.not_json)
        for (path, method), (response, request, status) in self.schemas.items():
            op = spec["paths"][path][method]
            assert op["responses"][status]["content"]["application/json"]["schema"] == ref(response), (path, method)
            if request:
                assert op["requestBody"]["content"]["application/json"]["schema"] == ref(request), (path, method)


class AreaChecks(RouteChecks, BadInputChecks, MalformedIdChecks, ServiceErrorChecks, OpenApiChecks):
    """The checks every orders area's table gets."""
