from decimal import Decimal
from pathlib import Path

import pytest

from syncstore_cli.domain.pricing import RoundingMode, RuleKind
from syncstore_cli.errors import ConfigError
from syncstore_cli.settings import load_settings, mask


def test_defaults_put_everything_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'syncstore.db'}"
    assert settings.queue_url == f"sqlite:///{tmp_path / 'queue.db'}"
    assert settings.pricing["shopee"].default.markup_percent == 15
    assert settings.pricing["tiktok"].default.markup_percent == 20


def test_default_home_is_per_user(tmp_path: Path) -> None:
    settings = load_settings({"HOME": str(tmp_path)})
    assert settings.home == tmp_path / ".local/share/syncstore"


def test_environment_beats_file_beats_default(tmp_path: Path) -> None:
    (tmp_path / "syncstore.toml").write_text(
        'database_url = "sqlite:////from/file.db"\n[shopee]\npartner_id = "111"\nbase_url = "http://file"\n'
    )
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path), "SYNCSTORE_SHOPEE_BASE_URL": "http://env"})
    assert settings.database_url == "sqlite:////from/file.db"
    assert settings.get("shopee.partner_id") == "111"
    assert settings.get("shopee.base_url") == "http://env"
    assert settings.sources["shopee.base_url"] == "env SYNCSTORE_SHOPEE_BASE_URL"
    assert settings.sources["shopee.partner_id"] == "file syncstore.toml"
    assert settings.sources["tiktok.base_url"] == "default"


def test_pricing_from_file(tmp_path: Path) -> None:
    (tmp_path / "syncstore.toml").write_text(
        """
[pricing.shopee]
rule = "fee_aware"
markup_percent = 5
rounding = "up"
rounding_step = 500
min_price = 1000
max_change_percent = 25
[pricing.shopee.fees]
commission_percent = 6.5
payment_percent = 1.8
fixed_fee = 1250
[pricing.shopee.categories.propeller]
markup_percent = 30
"""
    )
    pricing = load_settings({"SYNCSTORE_HOME": str(tmp_path)}).pricing["shopee"]
    assert pricing.default.kind is RuleKind.FEE_AWARE
    assert pricing.default.fees.commission_percent == Decimal("6.5")
    assert pricing.default.rounding is RoundingMode.UP and pricing.default.rounding_step == 500
    assert pricing.max_change_percent == 25
    # a category override inherits everything it does not set
    propeller = pricing.rule_for("propeller")
    assert propeller.markup_percent == 30 and propeller.kind is RuleKind.FEE_AWARE


def test_pricing_from_environment(tmp_path: Path) -> None:
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path), "SYNCSTORE_PRICING_TIKTOK_MARKUP_PERCENT": "22.5"})
    assert settings.pricing["tiktok"].default.markup_percent == Decimal("22.5")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("database_url = ", "not valid TOML"),
        ("[shopee]\npartnerid = 1\n", "unknown setting 'shopee.partnerid'"),
        ("[pricing.shopee]\nmarkup = 1\n", "unknown pricing key 'markup'"),
        ("[pricing.shopee]\nrounding = 'sideways'\n", "sideways"),
        ("[pricing.shopee]\nmarkup_percent = 'lots'\n", "'lots' is not a number"),
        ("[pricing.shopee]\nmin_price = 10.5\n", "not a whole"),
        ("[pricing.lazada]\nmarkup_percent = 1\n", "unknown pricing platform 'lazada'"),
        ("[pricing.shopee.categories.spaceship]\nmarkup_percent = 1\n", "unknown category 'spaceship'"),
        ("[pricing.shopee]\nrule='fee_aware'\n[pricing.shopee.fees]\ncommission_percent = 100\n", "100%"),
    ],
)
def test_broken_config_names_the_file_and_the_problem(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "syncstore.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings({"SYNCSTORE_HOME": str(tmp_path)})
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_secrets_are_masked() -> None:
    secret = "57615053704d6470644f554a78656d50484143644964436a5568777544524579"
    assert secret not in mask(secret)
    assert secret[-4:] not in mask(secret)
    assert mask(None) == "(not set)"


def test_typed_groups_have_every_default_in_one_place(tmp_path: Path) -> None:
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path)})
    assert (settings.sync.job_attempts, settings.sync.concurrency, settings.sync.lease_seconds) == (3, 4, 60.0)
    assert (settings.http.max_attempts, settings.http.backoff_base, settings.http.request_timeout) == (3, 2.0, 30.0)
    assert (settings.shopee.rate.per_second, settings.shopee.rate.burst) == (10.0, 20)
    assert (settings.tiktok.rate.per_second, settings.tiktok.rate.burst) == (20.0, 40)
    assert settings.shopee.partner_id is None and settings.queue_name == "syncstore"


def test_the_request_and_the_job_retry_budgets_are_separate_keys(tmp_path: Path) -> None:
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path), "SYNCSTORE_HTTP_MAX_ATTEMPTS": "5",
                              "SYNCSTORE_SYNC_JOB_ATTEMPTS": "2"})
    assert settings.http.max_attempts == 5 and settings.sync.job_attempts == 2


def test_the_old_shared_key_still_sets_both_budgets(tmp_path: Path) -> None:
    (tmp_path / "syncstore.toml").write_text("[sync]\nmax_attempts = 6\nbackoff_base = 1\n")
    from_file = load_settings({"SYNCSTORE_HOME": str(tmp_path)})
    assert (from_file.http.max_attempts, from_file.sync.job_attempts, from_file.http.backoff_base) == (6, 6, 1.0)
    from_env = load_settings({"SYNCSTORE_HOME": str(tmp_path), "SYNCSTORE_SYNC_MAX_ATTEMPTS": "4",
                              "SYNCSTORE_SYNC_JOB_ATTEMPTS": "2"})
    assert (from_env.http.max_attempts, from_env.sync.job_attempts) == (4, 2)  # the new key wins


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("SYNCSTORE_SYNC_CONCURRENCY", "0", "sync.concurrency (from env SYNCSTORE_SYNC_CONCURRENCY): '0' is not a whole"),
    ("SYNCSTORE_SYNC_JOB_ATTEMPTS", "two", "sync.job_attempts"),
    ("SYNCSTORE_HTTP_REQUEST_TIMEOUT", "nan", "http.request_timeout"),
    ("SYNCSTORE_SHOPEE_RATE_PER_SECOND", "-1", "shopee.rate_per_second"),
    ("SYNCSTORE_TIKTOK_RATE_BURST", "1.5", "tiktok.rate_burst"),
])
def test_a_bad_value_is_one_error_naming_the_key_and_its_source(tmp_path: Path, variable: str, value: str,
                                                               message: str) -> None:
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path), variable: value})
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings.validate()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'queue_url = "sqlite:///q.db"\n# caf\xe9\n', "syncstore.toml: not UTF-8 text (line 2: byte 0xe9)"),
        (b"[pricing.shopee]\nmarkup_percent = 1e400\n", "pricing.shopee.markup_percent: '1E+400' must be above -100"),
        (b"[pricing.shopee]\nmarkup_percent = -100\n", "pricing.shopee.markup_percent: '-100' must be above -100"),
        (b"[pricing.tiktok.categories.motor]\nmarkup_percent = inf\n", "'Infinity' is not a finite number"),
        (b"[pricing.shopee]\nrounding_step = 1e400\n", "rounding_step: '1E+400' is not a whole number of rupiah"),
        (b"[pricing.shopee]\nmax_price = 1000000000000000000000000000000\n", "max_price"),
        (b"[pricing.shopee.fees]\nfixed_fee = nan\n", "fixed_fee: 'NaN' is not a finite number"),
        (b"[pricing.shopee.fees]\ncommission_percent = -5\n", "commission_percent: '-5' must be at least 0"),
        (b"[pricing.shopee]\nmax_change_percent = -5\n", "max_change_percent: '-5' must be at least 0"),
    ],
)
def test_unreadable_or_out_of_range_config_is_one_config_error(tmp_path: Path, content: bytes,
                                                                expected: str) -> None:
    (tmp_path / "syncstore.toml").write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_settings({"SYNCSTORE_HOME": str(tmp_path)})
    assert expected in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("SYNCSTORE_SYNC_CONCURRENCY", "99999999999999999999", "sync.concurrency"),
    ("SYNCSTORE_HTTP_BACKOFF_MAX", "1e300", "http.backoff_max"),
    ("SYNCSTORE_SYNC_LEASE_SECONDS", "1e400", "sync.lease_seconds"),
    ("SYNCSTORE_SHOPEE_PARTNER_ID", "12ab", "shopee.partner_id (from env SYNCSTORE_SHOPEE_PARTNER_ID): '12ab'"),
    ("SYNCSTORE_TIKTOK_BASE_URL", "open-api.tiktokglobalshop.com", "tiktok.base_url"),
    ("SYNCSTORE_DATABASE_URL", "garbage", "database_url (from env SYNCSTORE_DATABASE_URL): 'garbage'"),
    ("SYNCSTORE_QUEUE_URL", "garbage://x", "queue_url (from env SYNCSTORE_QUEUE_URL): 'garbage://x'"),
])
def test_values_out_of_range_are_refused_naming_the_key(tmp_path: Path, variable: str, value: str,
                                                        message: str) -> None:
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path), variable: value})
    with pytest.raises(ConfigError) as info:
        settings.validate()
    assert message in str(info.value)


def test_a_url_in_an_error_has_its_password_masked(tmp_path: Path) -> None:
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path), "SYNCSTORE_DATABASE_URL": "mysql://u:hunter2@h/db",
                              "SYNCSTORE_QUEUE_URL": "redis://:hunter2@h:6379/0"})
    with pytest.raises(ConfigError) as info:
        _ = settings.database_url
    assert "hunter2" not in str(info.value) and "mysql://u:****@h/db" in str(info.value)
    assert settings.queue_url == "redis://:hunter2@h:6379/0"  # a usable URL is handed over as it is


def test_a_negative_markup_is_accepted_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "syncstore.toml").write_text("[pricing.shopee]\nmarkup_percent = -50\n"
                                             "[pricing.tiktok.categories.motor]\nmarkup_percent = -10\n")
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path)})
    assert settings.pricing["shopee"].default.markup_percent == -50
    assert settings.pricing_warnings() == [
        "pricing.shopee.markup_percent is -50%: prices are set below the master price",
        "pricing.tiktok.categories.motor.markup_percent is -10%: prices are set below the master price",
    ]
    assert load_settings({"SYNCSTORE_HOME": str(tmp_path / "none")}).pricing_warnings() == []


def test_a_settings_file_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "syncstore.toml").mkdir()
    with pytest.raises(ConfigError, match=r"syncstore\.toml: not a file"):
        load_settings({"SYNCSTORE_HOME": str(tmp_path)})
