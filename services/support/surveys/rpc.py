"""Surveys and follow-up tasks RPC entrypoints: thin shells over
services.support.surveys.commands."""

from services.support.surveys import commands, settings
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.errors import NotFound
from shared.schemas.support.surveys import SurveyAnswerSchema, TaskDoneSchema, TaskQuerySchema


def _token(token):
    if not isinstance(token, str) or not token or len(token) > 200:
        raise NotFound(commands.NOT_VALID, errors={"token": ["Not a valid survey link."]})
    return token


class SurveysRpc:
    """Mixin of SupportService (which provides ``self.db``, ``self.config``)."""

    def _survey_config(self):
        settings.use(self.config)
        return self.config

    @rpc
    def survey_for_link(self, token, open_only=False):
        """The public view of a survey link: NotFound for a link this service
        did not sign; with ``open_only`` Gone (expired) and Conflict
        (answered) too, otherwise its page shows those states itself."""
        token = _token(token)
        config = self._survey_config()
        with self.db.read() as conn:
            if open_only:
                return commands.open_survey(conn, token, config)
            return commands.public_survey(conn, token, config)

    @rpc
    def answer_survey(self, token, data):
        """The contact's answer (SurveyAnswerSchema); 404 bad link, 410
        expired, 409 answered already."""
        token = _token(token)
        data = load(SurveyAnswerSchema(), data)
        config = self._survey_config()
        with self.db.transaction() as conn:
            return commands.answer(conn, token, data, config)

    @rpc
    def case_surveys(self, case_id):
        case_id = load_uuid(case_id, "case id")
        config = self._survey_config()
        with self.db.read() as conn:
            return commands.surveys_of_case(conn, case_id, config)

    @rpc
    def list_tasks(self, query=None):
        query = load(TaskQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_tasks(conn, query)

    @rpc
    def get_task(self, task_id):
        task_id = load_uuid(task_id, "task id")
        with self.db.read() as conn:
            return commands.get_task(conn, task_id)

    @rpc
    def complete_task(self, task_id, data=None, actor=None):
        """open -> done, with an optional note of what was done."""
        task_id = load_uuid(task_id, "task id")
        data = load(TaskDoneSchema(), data or {})
        with self.db.transaction() as conn:
            return commands.complete_task(conn, task_id, data.get("note"), actor)
