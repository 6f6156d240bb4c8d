"""Domain errors become problem documents whose members are their own."""

from shared.schemas.errors import Conflict, NotFound, ValidationFailed


def test_an_extra_named_like_a_problem_member_never_replaces_it():
    problem = Conflict("Quote Q-000001 is draft.", errors={"quote_id": ["x"]}, status="draft", title="t",
                       type="urn:x", instance="/x", current="draft").to_problem()
    assert problem["status"] == 409 and problem["title"] == Conflict.title
    assert problem["detail"] == "Quote Q-000001 is draft." and problem["errors"] == {"quote_id": ["x"]}
    assert problem["current"] == "draft" and "type" not in problem


def test_statuses_of_the_shared_errors():
    assert NotFound("x").to_problem()["status"] == 404
    assert ValidationFailed("x", errors={"a": ["b"]}).to_problem()["status"] == 422
