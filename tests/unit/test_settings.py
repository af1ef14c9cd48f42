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
