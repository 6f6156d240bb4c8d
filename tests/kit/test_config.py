"""Configuration: YAML with ${VAR:default} placeholders filled from the environment."""

import textwrap

import pytest

from shared.kit.config import ConfigError, load_component_config, load_config

REQUIRED = """
SERVICE_NAME: kitsample
AMQP_URI: ${AMQP_URI:amqp://guest:guest@localhost:5672/}
DATABASE_URL: ${DATABASE_URL:postgresql://postgres@localhost:5432/crm}
DB_SCHEMA: ${DB_SCHEMA:kitsample}
"""


@pytest.fixture
def write_config(tmp_path):
    def write(extra="", required=REQUIRED):
        path = tmp_path / "config.yaml"
        path.write_text(textwrap.dedent(required) + textwrap.dedent(extra))
        return path

    return write


def test_defaults_apply_when_the_environment_is_silent(write_config):
    config = load_config(write_config(), environ={})

    assert config["AMQP_URI"] == "amqp://guest:guest@localhost:5672/"
    assert config["DATABASE_URL"] == "postgresql://postgres@localhost:5432/crm"
    assert config["DB_SCHEMA"] == "kitsample"


def test_the_environment_wins_over_the_default(write_config):
    config = load_config(write_config(), environ={"DB_SCHEMA": "other", "DATABASE_URL": "postgresql://db/x"})

    assert config["DB_SCHEMA"] == "other"
    assert config["DATABASE_URL"] == "postgresql://db/x"


def test_whole_placeholders_are_typed(write_config):
    path = write_config("""
        DB_POOL_MAX: ${DB_POOL_MAX:10}
        OUTBOX_RELAY: ${OUTBOX_RELAY:true}
        OUTBOX_POLL_SECONDS: ${OUTBOX_POLL_SECONDS:1.5}
        TRACING: ${TRACING:off}
        LOG_LEVEL: ${LOG_LEVEL:INFO}
        PLAIN_INT: 3
    """)

    defaults = load_config(path, environ={})
    assert defaults["DB_POOL_MAX"] == 10 and type(defaults["DB_POOL_MAX"]) is int
    assert defaults["OUTBOX_RELAY"] is True
    assert defaults["OUTBOX_POLL_SECONDS"] == 1.5
    assert defaults["TRACING"] is False
    assert defaults["LOG_LEVEL"] == "INFO"
    assert defaults["PLAIN_INT"] == 3

    overridden = load_config(path, environ={"DB_POOL_MAX": "25", "OUTBOX_RELAY": "false", "TRACING": "yes"})
    assert overridden["DB_POOL_MAX"] == 25 and type(overridden["DB_POOL_MAX"]) is int
    assert overridden["OUTBOX_RELAY"] is False
    assert overridden["TRACING"] is True


def test_a_missing_variable_without_default_is_an_error(write_config):
    path = write_config("SECRET_KEY: ${CRM_TEST_SECRET_KEY}\n")

    with pytest.raises(ConfigError, match="CRM_TEST_SECRET_KEY"):
        load_config(path, environ={})
    assert load_config(path, environ={"CRM_TEST_SECRET_KEY": "s3cret"})["SECRET_KEY"] == "s3cret"


def test_an_empty_default_is_a_default(write_config):
    config = load_config(write_config("OPTIONAL: ${CRM_TEST_OPTIONAL:}\n"), environ={})

    assert config["OPTIONAL"] == ""


def test_placeholders_inside_strings_are_substituted_and_stay_text(write_config):
    path = write_config("""
        DSN: postgresql://${DB_USER:postgres}@${DB_HOST:localhost}:${DB_PORT:5432}/crm
        PORT_LABEL: port-${DB_PORT:5432}
        TWO: ${A:1}${B:2}
    """)

    config = load_config(path, environ={"DB_HOST": "db.internal"})

    assert config["DSN"] == "postgresql://postgres@db.internal:5432/crm"
    assert config["PORT_LABEL"] == "port-5432"
    assert config["TWO"] == "12"


def test_nested_values_are_substituted(write_config):
    path = write_config("""
        NESTED:
          url: ${NESTED_URL:http://localhost}
          sizes:
            - ${SIZE_A:1}
            - x-${SIZE_B:2}
    """)

    config = load_config(path, environ={"NESTED_URL": "http://example"})

    assert config["NESTED"] == {"url": "http://example", "sizes": [1, "x-2"]}


def test_a_url_with_a_hash_stays_intact(write_config):
    secret_url = "amqp://crm:pa#ss%23word@rabbit:5672/crm"
    path = write_config("""
        AMQP_URI: ${AMQP_URI}
        DATABASE_URL: ${DATABASE_URL:postgresql://crm:se#cret@db:5432/crm}
        SERVICE_NAME: kitsample
        DB_SCHEMA: kitsample
    """, required="")

    config = load_config(path, environ={"AMQP_URI": secret_url})

    assert config["AMQP_URI"] == secret_url
    assert config["DATABASE_URL"] == "postgresql://crm:se#cret@db:5432/crm"


def test_a_numeric_looking_secret_inside_a_url_stays_text(write_config):
    path = write_config("PASSWORD_URL: postgresql://crm:${DB_PASSWORD}@db/crm\n")

    config = load_config(path, environ={"DB_PASSWORD": "12345"})

    assert config["PASSWORD_URL"] == "postgresql://crm:12345@db/crm"


@pytest.mark.parametrize("missing", ["SERVICE_NAME", "AMQP_URI", "DATABASE_URL", "DB_SCHEMA"])
def test_missing_required_keys_are_named(write_config, missing):
    lines = [line for line in REQUIRED.strip().splitlines() if not line.startswith(missing + ":")]

    with pytest.raises(ConfigError, match=missing):
        load_config(write_config(required="\n".join(lines) + "\n"), environ={})


def test_a_required_key_that_substitutes_to_empty_is_missing(write_config):
    with pytest.raises(ConfigError, match="DB_SCHEMA"):
        load_config(write_config(), environ={"DB_SCHEMA": ""})


def test_an_empty_file_lists_every_required_key(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("")

    with pytest.raises(ConfigError) as raised:
        load_config(path, environ={})

    for key in ("SERVICE_NAME", "AMQP_URI", "DATABASE_URL", "DB_SCHEMA"):
        assert key in str(raised.value)


def test_crm_config_names_the_file(write_config):
    path = write_config("EXTRA: ${EXTRA:here}\n")

    config = load_component_config("leads", environ={"CRM_CONFIG": str(path)})

    assert config["SERVICE_NAME"] == "kitsample"
    assert config["EXTRA"] == "here"


def test_an_unknown_component_is_refused():
    with pytest.raises(ValueError, match="unknown component"):
        load_component_config("nosuchservice", environ={})
