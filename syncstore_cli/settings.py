"""Effective settings: environment (`SYNCSTORE_*`) over `syncstore.toml` in the data folder, over defaults.

Kept free of heavy imports: every CLI start reads settings, and start-up time matters.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from syncstore_cli.domain.drift import DriftPolicy, parse_policy
from syncstore_cli.domain.money import MAX_RUPIAH
from syncstore_cli.domain.pricing import (
    SELLER_DEFAULTS,
    Fees,
    PlatformPricing,
    PriceRule,
    RoundingMode,
    RuleKind,
)
from syncstore_cli.domain.quota import QuotaDay, parse_reset
from syncstore_cli.errors import ConfigError, mask_url

CONFIG_FILE_NAME: Final = "syncstore.toml"
ENV_PREFIX: Final = "SYNCSTORE_"


@dataclass(frozen=True)
class Setting:
    """One scalar setting: its dotted name in the file, its variable, default and whether it is secret."""

    key: str
    default: str | None
    secret: bool = False
    help: str = ""

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.key.replace(".", "_").upper()


SCALAR_SETTINGS: Final[tuple[Setting, ...]] = (
    Setting("database_url", None, help="SQLAlchemy URL; default SQLite in the data folder"),
    Setting("queue_url", None, help="redis://... for Redis; default SQLite queue in the data folder"),
    Setting("queue_name", "syncstore", help="Huey queue name (Redis key prefix); one per data folder"),
    Setting("shopee.base_url", "https://partner.shopeemobile.com", help="Shopee Open Platform host"),
    Setting("shopee.partner_id", None, help="Shopee partner id"),
    Setting("shopee.partner_key", None, secret=True, help="Shopee partner key"),
    Setting("tiktok.base_url", "https://open-api.tiktokglobalshop.com", help="TikTok Shop Open API host"),
    Setting("tiktok.auth_url", "https://auth.tiktok-shops.com", help="TikTok Shop token host"),
    Setting("tiktok.app_key", None, help="TikTok Shop app key"),
    Setting("tiktok.app_secret", None, secret=True, help="TikTok Shop app secret"),
    # Shopee publishes no limits; these stay under what its sandbox and field reports show. TikTok's
    # are dynamic per app and shop. Both are per shop and shared by every worker process (`rate.shared`).
    Setting("shopee.rate_per_second", "10", help="requests per second per Shopee shop"),
    Setting("shopee.rate_burst", "20", help="burst allowance per Shopee shop"),
    Setting("tiktok.tokopedia", "true", help="list TikTok Shop products on Tokopedia too (true/false), where the "
            "category is in the Tokopedia tree; false when the shop is not linked to Tokopedia"),
    Setting("tiktok.rate_per_second", "20", help="requests per second per TikTok shop"),
    Setting("tiktok.rate_burst", "40", help="burst allowance per TikTok shop"),
    Setting("rate.shared", "auto", help="where the per-shop rate budgets live, shared by every worker process: "
            "redis, database, process (each process its own), or auto (redis when rate.redis_url or queue_url "
            "is Redis, else database)"),
    Setting("rate.redis_url", None, help="redis://... holding the shared rate budgets; default queue_url when "
            "that is Redis"),
    Setting("read_concurrency", "8", help="parallel marketplace reads during import"),
    # Two retry budgets, one inside the other: the HTTP layer retries one request (with backoff); the
    # engine retries a whole job only to resolve an unknown create outcome or after a rate limit.
    Setting("http.max_attempts", "3", help="attempts per marketplace request (HTTP-level retries with backoff)"),
    Setting("http.backoff_base", "2", help="seconds before a request's first retry; doubled each retry"),
    Setting("http.backoff_max", "8", help="longest wait between two attempts of a request, in seconds"),
    Setting("http.max_retry_after", "30", help="a longer Retry-After reschedules the job instead of waiting"),
    Setting("http.request_timeout", "30", help="seconds before a marketplace request counts as timed out"),
    Setting("sync.job_attempts", "3", help="engine attempts per job before it is dead-lettered"),
    Setting("sync.concurrency", "4", help="worker threads per `syncstore worker`; parallel reads of a snapshot"),
    Setting("sync.lease_seconds", "60", help="how long a claimed job stays with its worker without renewal"),
    Setting("sync.reconcile_seconds", "2", help="how often a worker re-sends lost or due jobs"),
    Setting("sync.stale_after", "5", help="seconds before a queued job whose message vanished is re-sent"),
    Setting("backup.keep", "10", help="backups kept after each new one (those of approved batches are kept too)"),
    # `drift` trusts the marketplaces' update times; the overlap re-reads a little before the last check so
    # that a clock difference, or a search index that lags an edit, does not hide one.
    Setting("drift.policy", "overwrite", help="what `drift` does with a seller-centre edit, per field group: "
            "overwrite (the next sync puts the master back) or report (list it, leave it), e.g. "
            "'overwrite,title=report'; a bare action applies to every group not named"),
    Setting("drift.overlap_seconds", "60", help="how far before the last drift check the next one starts reading"),
    Setting("drift.reads", "changed", help="how a batch's snapshot and `validate` read a shop once a drift check "
            "has run: changed (the last confirmed state plus the listings updated since that check) or full "
            "(every listing they look at, read again)"),
    Setting("rollout.auto_approve_after", "0", help="after this many clean batches approved by the owner, a "
            "`sync batch --chunk` batch that passes its checks is approved automatically (0: never)"),
    # Daily quotas park jobs until they reset. TikTok: "All new sellers are limited to 100 product uploads
    # per day ... 1,000 ... after probation" (lazykern/ecommerce-api-docs, data/raw/tiktok/api-reference/
    # products/products-api-overview.json): the probation figure, the stricter. Shopee publishes no number
    # for its per-app call quota, only its reset, 00:00 UTC+8 (congminh1254/shopee-sdk, schemas/
    # v2.product.add_item.json, common_error_list `error_limit`); TikTok's reset time is not documented.
    Setting("tiktok.daily_listing_limit", "100", help="new TikTok listings a day (100 in a shop's probation, "
            "1000 after); `sync plan` and `quota` count days with it"),
    Setting("shopee.daily_call_limit", "0", help="Shopee API calls a day for this app, if Shopee told you (it "
            "publishes none; 0: unknown, calls are counted but not compared)"),
    Setting("quota.shopee_reset", "00:00+08:00", help="when Shopee's daily call quota resets: local time and "
            "UTC offset (documented: 00:00 UTC+8)"),
    Setting("quota.tiktok_reset", "00:00+07:00", help="when TikTok's daily listing limit resets: local time and "
            "UTC offset (undocumented; assumed midnight in Jakarta)"),
    Setting("quota.day_seconds", "86400", help="length of a quota day in seconds: 86400 live; the value "
            "`sandbox serve --day-seconds` prints, against a sandbox with compressed days"),
)
# Names from before the two retry budgets were separate: still read, and shown under their new key.
# `sync.max_attempts` drove both loops, so it sets both.
DEPRECATED_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "sync.max_attempts": ("http.max_attempts", "sync.job_attempts"),
    "sync.backoff_base": ("http.backoff_base",),
    "sync.backoff_max": ("http.backoff_max",),
    "sync.max_retry_after": ("http.max_retry_after",),
    "sync.request_timeout": ("http.request_timeout",),
}
_SCALARS_BY_KEY: Final = {s.key: s for s in SCALAR_SETTINGS}

_RULE_FIELDS: Final = {
    "rule",
    "markup_percent",
    "rounding",
    "rounding_step",
    "min_price",
    "max_price",
    "fees",
    "categories",
    "max_change_percent",
}
_FEE_FIELDS: Final = {"commission_percent", "payment_percent", "programme_percent", "fixed_fee"}
PRICING_PLATFORMS: Final = ("shopee", "tiktok")
# What store/ and queue/ can open; anything else is refused here, naming the setting, before any work.
DATABASE_SCHEMES: Final = ("sqlite", "postgresql", "postgres", "postgresql+psycopg")
QUEUE_SCHEMES: Final = ("sqlite", "redis", "rediss", "unix")
# A markup beyond this is a typo (1000% is eleven times the base), not a pricing decision.
MAX_MARKUP_PERCENT: Final = Decimal(1000)
# Bounds that keep a typo (99999999999) from reaching thread pools, sleeps or timers.
_MAX_WORKERS: Final = 256
_MAX_ATTEMPTS: Final = 100
_MAX_SECONDS: Final = 86_400.0
_MAX_RATE: Final = 1_000_000


@dataclass(frozen=True)
class RateBudgetSettings:
    """One shop's request budget: a steady rate and a burst (token bucket)."""

    per_second: float
    burst: int


@dataclass(frozen=True)
class ShopeeSettings:
    base_url: str
    partner_id: int | None
    partner_key: str | None
    rate: RateBudgetSettings


@dataclass(frozen=True)
class TikTokSettings:
    base_url: str
    auth_url: str
    app_key: str | None
    app_secret: str | None
    rate: RateBudgetSettings
    tokopedia: bool = True


@dataclass(frozen=True)
class HttpSettings:
    """The retry budget of one marketplace request (the HTTP layer's own retries)."""

    max_attempts: int
    backoff_base: float
    backoff_max: float
    max_retry_after: float
    request_timeout: float


@dataclass(frozen=True)
class SyncSettings:
    """Workers and jobs: the job retry budget, leases, reconciling, concurrency."""

    job_attempts: int
    concurrency: int
    lease_seconds: float
    reconcile_seconds: float
    stale_after: float


@dataclass(frozen=True)
class BackupSettings:
    """Retention: how many backups stay after each new one."""

    keep: int


@dataclass(frozen=True)
class DriftSettings:
    """What `drift` does with a seller-centre edit per field group, and how far back it re-reads."""

    policy: DriftPolicy
    overlap_seconds: float
    full_reads: bool = False  # `drift.reads = full`: snapshots and validation read every listing again


@dataclass(frozen=True)
class RolloutSettings:
    """The staged rollout's one knob: when the owner lets clean batches be approved without them."""

    auto_approve_after: int  # owner-approved clean batches needed first; 0 never approves automatically


@dataclass(frozen=True)
class QuotaSettings:
    """The marketplaces' daily quotas: when each day turns over, and the limits the schedule counts with."""

    shopee_day: QuotaDay
    tiktok_day: QuotaDay
    tiktok_daily_listings: int
    shopee_daily_calls: int  # 0: not known (Shopee publishes none)


RATE_SHARING: Final = ("redis", "database", "process")


@dataclass(frozen=True)
class RateSharingSettings:
    """Where the per-shop rate budgets live: `redis` (at `redis_url`), `database`, or `process` (not shared)."""

    backend: str
    redis_url: str | None


@dataclass(frozen=True)
class Settings:
    """Every setting, parsed and checked once; `values`/`sources` keep the raw text for `config show`."""

    home: Path
    config_file: Path | None
    values: Mapping[str, str | None]
    sources: Mapping[str, str]
    pricing: Mapping[str, PlatformPricing] = field(default_factory=lambda: dict(SELLER_DEFAULTS))

    def get(self, key: str) -> str | None:
        """The raw text of a setting (for display); code reads the typed groups below."""
        return self.values.get(key)

    @property
    def database_url(self) -> str:
        """The catalog database's URL; one SyncStore cannot open is a ConfigError naming where it came from."""
        return self._checked_url("database_url", DATABASE_SCHEMES, "sqlite:///PATH or postgresql://USER@HOST/DB")

    @property
    def queue_url(self) -> str:
        return self._checked_url("queue_url", QUEUE_SCHEMES, "sqlite:///PATH or redis://HOST:PORT/DB")

    def url_text(self, key: str) -> str:
        """`database_url` or `queue_url` as configured (or its default), unchecked: for display only."""
        default = {"database_url": "syncstore.db", "queue_url": "queue.db"}[key]
        return (self.values.get(key) or "").strip() or f"sqlite:///{self.home / default}"

    def where(self, key: str) -> str:
        """A setting named with where its value came from, for error messages: `queue_url (from env ...)`."""
        return f"{key} (from {self.sources.get(key, 'default')})"

    def pricing_warnings(self) -> list[str]:
        """Pricing that is allowed but probably not meant: a negative markup sells below the base price."""
        warnings = []
        for platform, pricing in self.pricing.items():
            rules = [("", pricing.default), *((f".categories.{c}", r) for c, r in sorted(pricing.by_category.items()))]
            for suffix, rule in rules:
                if rule.markup_percent < 0:
                    warnings.append(f"pricing.{platform}{suffix}.markup_percent is {rule.markup_percent}%: "
                                    "prices are set below the master price")
        return warnings

    @property
    def queue_name(self) -> str:
        return self.values.get("queue_name") or "syncstore"

    @cached_property
    def sync(self) -> SyncSettings:
        return SyncSettings(
            job_attempts=self._whole("sync.job_attempts", minimum=1, maximum=_MAX_ATTEMPTS),
            concurrency=self._whole("sync.concurrency", minimum=1, maximum=_MAX_WORKERS),
            lease_seconds=self._number("sync.lease_seconds", above=0),
            reconcile_seconds=self._number("sync.reconcile_seconds", above=0),
            stale_after=self._number("sync.stale_after", above=0),
        )

    @cached_property
    def http(self) -> HttpSettings:
        return HttpSettings(
            max_attempts=self._whole("http.max_attempts", minimum=1, maximum=_MAX_ATTEMPTS),
            backoff_base=self._number("http.backoff_base", above=-1),
            backoff_max=self._number("http.backoff_max", above=-1),
            max_retry_after=self._number("http.max_retry_after", above=-1),
            request_timeout=self._number("http.request_timeout", above=0),
        )

    @cached_property
    def backup(self) -> BackupSettings:
        return BackupSettings(keep=self._whole("backup.keep", minimum=1))

    @cached_property
    def drift(self) -> DriftSettings:
        raw = self._raw("drift.policy")
        try:
            policy = parse_policy(raw)
        except ValueError as error:
            raise ConfigError(f"{self._where('drift.policy')}: {error}") from None
        reads = self._raw("drift.reads").lower()
        if reads not in ("changed", "full"):
            raise ConfigError(f"{self._where('drift.reads')}: '{reads}' is not one of changed, full")
        return DriftSettings(policy=policy, overlap_seconds=self._number("drift.overlap_seconds", above=-1),
                             full_reads=reads == "full")

    @cached_property
    def rollout(self) -> RolloutSettings:
        return RolloutSettings(auto_approve_after=self._whole("rollout.auto_approve_after", minimum=0,
                                                              maximum=_MAX_ATTEMPTS))

    @cached_property
    def quota(self) -> QuotaSettings:
        length = self._number("quota.day_seconds", above=0)

        def day(key: str) -> QuotaDay:
            try:
                return QuotaDay(parse_reset(self._raw(key)), length)
            except ValueError as error:
                raise ConfigError(f"{self._where(key)}: {error}") from None

        return QuotaSettings(shopee_day=day("quota.shopee_reset"), tiktok_day=day("quota.tiktok_reset"),
                             tiktok_daily_listings=self._whole("tiktok.daily_listing_limit", minimum=1),
                             shopee_daily_calls=self._whole("shopee.daily_call_limit", minimum=0))

    @cached_property
    def rate_sharing(self) -> RateSharingSettings:
        backend = self._raw("rate.shared").lower()
        if backend not in ("auto", *RATE_SHARING):
            raise ConfigError(f"{self._where('rate.shared')}: '{backend}' is not one of auto, "
                              f"{', '.join(RATE_SHARING)}")
        configured = (self.values.get("rate.redis_url") or "").strip()
        if configured and configured.partition("://")[0].lower() not in QUEUE_SCHEMES[1:]:
            raise ConfigError(f"{self._where('rate.redis_url')}: '{mask_url(configured)}' is not a Redis URL "
                              "(redis://HOST:PORT/DB)")
        queue = self.queue_url
        redis_url = configured or (queue if not queue.startswith("sqlite") else None)
        if backend == "auto":
            backend = "redis" if redis_url else "database"
        if backend == "redis" and redis_url is None:
            raise ConfigError(f"{self._where('rate.shared')}: redis needs rate.redis_url or a Redis queue_url")
        return RateSharingSettings(backend=backend, redis_url=redis_url)

    @cached_property
    def read_concurrency(self) -> int:
        return self._whole("read_concurrency", minimum=1, maximum=_MAX_WORKERS)

    @cached_property
    def shopee(self) -> ShopeeSettings:
        partner_id = (self.values.get("shopee.partner_id") or "").strip()
        if partner_id and not (partner_id.isascii() and partner_id.isdigit() and len(partner_id) <= 18):
            raise ConfigError(f"{self.where('shopee.partner_id')}: '{partner_id}' is not a Shopee partner id "
                              "(a whole number)")
        return ShopeeSettings(
            base_url=self._http_url("shopee.base_url"),
            partner_id=int(partner_id) if partner_id else None,
            partner_key=self.values.get("shopee.partner_key") or None,
            rate=self._rate("shopee"),
        )

    @cached_property
    def tiktok(self) -> TikTokSettings:
        return TikTokSettings(
            base_url=self._http_url("tiktok.base_url"),
            auth_url=self._http_url("tiktok.auth_url"),
            app_key=self.values.get("tiktok.app_key") or None,
            app_secret=self.values.get("tiktok.app_secret") or None,
            rate=self._rate("tiktok"),
            tokopedia=self._flag("tiktok.tokopedia"),
        )

    def validate(self) -> Settings:
        """Parses every typed group now, so a broken setting is one error before any work starts."""
        for group in ("sync", "http", "backup", "rollout", "drift", "read_concurrency", "shopee", "tiktok",
                      "database_url", "queue_url", "rate_sharing", "quota"):
            getattr(self, group)
        return self

    def secrets(self) -> list[str]:
        """Configured secret values, for scrubbing them from anything that is written out."""
        return [v for s in SCALAR_SETTINGS if s.secret and (v := self.values.get(s.key))]

    def with_values(self, **overrides: str | None) -> Settings:
        values = dict(self.values)
        values.update({k.replace("__", "."): v for k, v in overrides.items()})
        return replace(self, values=values)

    # -- parsing, in one place ------------------------------------------------------------------
    def _where(self, key: str) -> str:
        return self.where(key)

    def _checked_url(self, key: str, schemes: tuple[str, ...], expected: str) -> str:
        url = self.url_text(key)
        scheme, sep, rest = url.partition("://")
        if not sep or scheme.lower() not in schemes or not rest.strip("/"):
            raise ConfigError(f"{self.where(key)}: '{mask_url(url)}' is not a URL SyncStore can open; "
                              f"expected {expected}")
        return url

    def _raw(self, key: str) -> str:
        value = self.values.get(key)
        if value in (None, ""):
            value = _SCALARS_BY_KEY[key].default
        assert value is not None, f"{key} has no default"
        return value.strip()

    def _whole(self, key: str, *, minimum: int, maximum: int = _MAX_RATE) -> int:
        raw = self._raw(key)
        digits = raw.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 12 or not minimum <= int(raw) <= maximum:
            raise ConfigError(f"{self._where(key)}: '{raw}' is not a whole number from {minimum} to {maximum:,}")
        return int(raw)

    def _number(self, key: str, *, above: float, maximum: float | None = None) -> float:
        raw = self._raw(key)
        limit = maximum if maximum is not None else (_MAX_RATE if key.endswith("rate_per_second") else _MAX_SECONDS)
        try:
            number = float(raw)
        except ValueError:
            raise ConfigError(f"{self._where(key)}: '{raw}' is not a number") from None
        if not math.isfinite(number) or number <= above or number > limit:
            raise ConfigError(f"{self._where(key)}: '{raw}' must be a finite number above {above:g} "
                              f"and at most {limit:,g}")
        return number

    def _required_text(self, key: str) -> str:
        value = self.values.get(key)
        if not value:
            raise ConfigError(f"{key} is not set")
        return value

    def _flag(self, key: str) -> bool:
        raw = self._raw(key).strip().lower()
        if raw in ("true", "yes", "1", "on"):
            return True
        if raw in ("false", "no", "0", "off"):
            return False
        raise ConfigError(f"{self._where(key)}: '{raw}' is not true or false")

    def _http_url(self, key: str) -> str:
        value = self._required_text(key).strip()
        scheme, sep, rest = value.partition("://")
        host = rest.split("/", 1)[0]
        if not sep or scheme.lower() not in ("http", "https") or not host or any(c.isspace() for c in value):
            raise ConfigError(f"{self.where(key)}: '{mask_url(value)}' is not an http:// or https:// URL")
        return value

    def _rate(self, platform: str) -> RateBudgetSettings:
        return RateBudgetSettings(per_second=self._number(f"{platform}.rate_per_second", above=0),
                                  burst=self._whole(f"{platform}.rate_burst", minimum=1))


def default_home(environ: Mapping[str, str]) -> Path:
    if home := environ.get("SYNCSTORE_HOME"):
        return Path(home).expanduser()
    data_root = environ.get("XDG_DATA_HOME") or str(Path(environ.get("HOME", "~")).expanduser() / ".local/share")
    return Path(data_root) / "syncstore"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = default_home(env)
    config_path = home / CONFIG_FILE_NAME
    file_data: dict[str, Any] = {}
    if config_path.exists() and not config_path.is_file():
        raise ConfigError(f"{config_path}: not a file")
    if config_path.is_file():
        try:
            with config_path.open("rb") as fh:
                file_data = tomllib.load(fh, parse_float=Decimal)
        except UnicodeDecodeError as exc:  # tomllib decodes the bytes itself, before any TOML error
            line = exc.object[:exc.start].count(b"\n") + 1
            raise ConfigError(f"{config_path}: not UTF-8 text (line {line}: byte 0x{exc.object[exc.start]:02x})"
                              ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{config_path}: cannot be read: {exc.strerror}") from None

    flat_file = _flatten_scalars(file_data, config_path)
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for alias, targets in DEPRECATED_ALIASES.items():
        alias_var = ENV_PREFIX + alias.replace(".", "_").upper()
        for target in targets:
            if alias_var in env and _SCALARS_BY_KEY[target].env_var not in env:
                env = {**env, _SCALARS_BY_KEY[target].env_var: env[alias_var]}
            if alias in flat_file and target not in flat_file:
                flat_file[target] = flat_file[alias]
    for setting in SCALAR_SETTINGS:
        if setting.env_var in env:
            values[setting.key], sources[setting.key] = env[setting.env_var], f"env {setting.env_var}"
        elif setting.key in flat_file:
            values[setting.key], sources[setting.key] = flat_file[setting.key], f"file {CONFIG_FILE_NAME}"
        else:
            values[setting.key], sources[setting.key] = setting.default, "default"
    sources["home"] = "env SYNCSTORE_HOME" if env.get("SYNCSTORE_HOME") else "default"
    pricing = _load_pricing(file_data.get("pricing", {}), env, config_path)
    return Settings(
        home=home,
        config_file=config_path if config_path.is_file() else None,
        values=values,
        sources=sources,
        pricing=pricing,
    )


def _flatten_scalars(data: Mapping[str, Any], path: Path) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        if key == "pricing":
            continue
        if isinstance(value, dict):
            for sub, subvalue in value.items():
                dotted = f"{key}.{sub}"
                if dotted not in _SCALARS_BY_KEY and dotted not in DEPRECATED_ALIASES:
                    raise ConfigError(f"{path}: unknown setting '{dotted}'")
                flat[dotted] = str(subvalue)
        elif key in _SCALARS_BY_KEY:
            flat[key] = str(value)
        else:
            raise ConfigError(f"{path}: unknown setting '{key}'")
    return flat


def _decimal(value: Any, where: str, *, low: Decimal | None = None, high: Decimal | None = None,
             low_inclusive: bool = True) -> Decimal:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: '{value}' is not a number")
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise ConfigError(f"{where}: '{value}' is not a number") from None
    if not result.is_finite():
        raise ConfigError(f"{where}: '{value}' is not a finite number")
    too_low = low is not None and (result < low if low_inclusive else result <= low)
    if too_low or (high is not None and result > high):
        limits = [f"{'at least' if low_inclusive else 'above'} {low}"] if low is not None else []
        limits += [f"at most {high}"] if high is not None else []
        raise ConfigError(f"{where}: '{value}' must be {' and '.join(limits)}")
    return result


def _rupiah(value: Any, where: str) -> int:
    number = _decimal(value, where)
    if number != number.to_integral_value() or number < 0 or number > MAX_RUPIAH:
        raise ConfigError(f"{where}: '{value}' is not a whole number of rupiah from 0 to {MAX_RUPIAH:,}")
    return int(number)


def _build_rule(table: Mapping[str, Any], base: PriceRule, where: str) -> PriceRule:
    unknown = set(table) - _RULE_FIELDS
    if unknown:
        raise ConfigError(f"{where}: unknown pricing key '{sorted(unknown)[0]}'")
    try:
        return _apply_rule_fields(table, base, where)
    except ValueError as exc:  # PriceRule's own checks, e.g. fees of 100% or more
        raise ConfigError(f"{where}: {exc}") from None


def _apply_rule_fields(table: Mapping[str, Any], base: PriceRule, where: str) -> PriceRule:
    rule = base
    if "rule" in table:
        rule = replace(rule, kind=RuleKind(str(table["rule"])))
    if "rounding" in table:
        rule = replace(rule, rounding=RoundingMode(str(table["rounding"])))
    if "markup_percent" in table:
        # A negative markup is allowed (clearance) but warned about (`Settings.pricing_warnings`); -100%
        # or less would price at zero or below.
        rule = replace(rule, markup_percent=_decimal(table["markup_percent"], f"{where}.markup_percent",
                                                     low=Decimal(-100), high=MAX_MARKUP_PERCENT,
                                                     low_inclusive=False))
    if "rounding_step" in table:
        rule = replace(rule, rounding_step=_rupiah(table["rounding_step"], f"{where}.rounding_step"))
    if "min_price" in table:
        rule = replace(rule, min_price=_rupiah(table["min_price"], f"{where}.min_price"))
    if "max_price" in table:
        rule = replace(rule, max_price=_rupiah(table["max_price"], f"{where}.max_price"))
    if "fees" in table:
        fees_table = table["fees"]
        if not isinstance(fees_table, dict):
            raise ConfigError(f"{where}.fees: expected a table")
        unknown_fees = set(fees_table) - _FEE_FIELDS
        if unknown_fees:
            raise ConfigError(f"{where}.fees: unknown key '{sorted(unknown_fees)[0]}'")
        percents = {
            name: _decimal(fees_table[name], f"{where}.fees.{name}", low=Decimal(0), high=Decimal(100))
            for name in ("commission_percent", "payment_percent", "programme_percent")
            if name in fees_table
        }
        current = rule.fees
        fees = Fees(
            commission_percent=percents.get("commission_percent", current.commission_percent),
            payment_percent=percents.get("payment_percent", current.payment_percent),
            programme_percent=percents.get("programme_percent", current.programme_percent),
            fixed_fee=_rupiah(fees_table["fixed_fee"], f"{where}.fees.fixed_fee")
            if "fixed_fee" in fees_table
            else current.fixed_fee,
        )
        rule = replace(rule, fees=fees)
    return rule


def _load_pricing(
    pricing_table: Mapping[str, Any], env: Mapping[str, str], path: Path
) -> dict[str, PlatformPricing]:
    if not isinstance(pricing_table, dict):
        raise ConfigError(f"{path}: [pricing] must be a table")
    unknown_platforms = set(pricing_table) - set(PRICING_PLATFORMS)
    if unknown_platforms:
        raise ConfigError(f"{path}: unknown pricing platform '{sorted(unknown_platforms)[0]}'")
    result: dict[str, PlatformPricing] = {}
    for platform in PRICING_PLATFORMS:
        table: dict[str, Any] = dict(pricing_table.get(platform, {}))
        where = f"{path}: pricing.{platform}"
        # Simple per-platform knobs can come from the environment too, e.g.
        # SYNCSTORE_PRICING_SHOPEE_MARKUP_PERCENT=18.
        for key in ("rule", "markup_percent", "rounding", "rounding_step", "min_price", "max_price",
                    "max_change_percent"):
            var = f"{ENV_PREFIX}PRICING_{platform.upper()}_{key.upper()}"
            if var in env:
                table[key] = env[var]
                where = f"pricing.{platform} (with {var})"
        defaults = SELLER_DEFAULTS[platform]
        default_rule = _build_rule(table, defaults.default, where)
        categories: dict[str, PriceRule] = {}
        category_tables = table.get("categories", {})
        if not isinstance(category_tables, dict):
            raise ConfigError(f"{where}.categories: expected a table of category tables")
        from syncstore_cli.domain.catalog import CATEGORIES

        for category, category_table in category_tables.items():
            if category not in CATEGORIES:
                raise ConfigError(f"{where}.categories: unknown category '{category}'")
            if not isinstance(category_table, dict) or "categories" in category_table:
                raise ConfigError(f"{where}.categories.{category}: expected a table of rule keys")
            categories[category] = _build_rule(category_table, default_rule, f"{where}.categories.{category}")
        guard = None
        if "max_change_percent" in table:
            guard = _decimal(table["max_change_percent"], f"{where}.max_change_percent", low=Decimal(0),
                             high=MAX_MARKUP_PERCENT)
        result[platform] = PlatformPricing(default=default_rule, by_category=categories, max_change_percent=guard)
    return result


def mask(value: str | None) -> str:
    """Show that a secret is set without showing it."""
    if not value:
        return "(not set)"
    return f"**** (set, {len(value)} characters)"
