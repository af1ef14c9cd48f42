"""Shop authorizations and their refresh lease: the `TokenRepository` of `marketplaces.tokens`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, or_, select, update

from syncstore_cli.domain.auth import ShopAuth, TokenPair
from syncstore_cli.store.engine import writer
from syncstore_cli.store.models import ShopAuthRow, utcnow

shop_auth_t = ShopAuthRow.__table__  # type: ignore[attr-defined]


def _to_shop(row: Any) -> ShopAuth:
    return ShopAuth(
        platform=row.platform,
        shop_id=row.shop_id,
        tokens=TokenPair(row.access_token, row.refresh_token, row.access_expires_at, row.refresh_expires_at),
        authorized=bool(row.authorized),
        generation=row.generation,
        shop_cipher=row.shop_cipher,
        shop_name=row.shop_name,
        authorization_expires_at=row.authorization_expires_at,
    )


class TokenStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = writer(engine)

    def get_shop(self, platform: str, shop_id: str) -> ShopAuth | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(shop_auth_t).where(shop_auth_t.c.platform == platform, shop_auth_t.c.shop_id == shop_id)
            ).first()
        return None if row is None else _to_shop(row)

    def shops(self) -> list[ShopAuth]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(shop_auth_t).order_by(shop_auth_t.c.platform, shop_auth_t.c.shop_id))
            return [_to_shop(row) for row in rows]

    def save_authorization(
        self,
        platform: str,
        shop_id: str,
        tokens: TokenPair,
        *,
        shop_cipher: str | None = None,
        shop_name: str | None = None,
        authorization_expires_at: float | None = None,
    ) -> None:
        values = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "access_expires_at": tokens.access_expires_at,
            "refresh_expires_at": tokens.refresh_expires_at,
            "authorization_expires_at": authorization_expires_at,
            "shop_cipher": shop_cipher,
            "shop_name": shop_name,
            "authorized": True,
            "unauthorized_reason": None,
            "lease_owner": None,
            "lease_until": None,
            "updated_at": utcnow(),
        }
        with self._writer.begin() as connection:
            updated = connection.execute(
                update(shop_auth_t)
                .where(shop_auth_t.c.platform == platform, shop_auth_t.c.shop_id == shop_id)
                .values(generation=shop_auth_t.c.generation + 1, **values)
            )
            if updated.rowcount == 0:
                connection.execute(
                    shop_auth_t.insert().values(platform=platform, shop_id=shop_id, generation=1, **values)
                )

    def try_lease(self, platform: str, shop_id: str, owner: str, until: float, now: float) -> bool:
        with self._writer.begin() as connection:
            result = connection.execute(
                update(shop_auth_t)
                .where(
                    shop_auth_t.c.platform == platform,
                    shop_auth_t.c.shop_id == shop_id,
                    or_(shop_auth_t.c.lease_until.is_(None), shop_auth_t.c.lease_until < now,
                        shop_auth_t.c.lease_owner == owner),
                )
                .values(lease_owner=owner, lease_until=until)
            )
            return bool(result.rowcount == 1)

    def release_lease(self, platform: str, shop_id: str, owner: str) -> None:
        with self._writer.begin() as connection:
            connection.execute(
                update(shop_auth_t)
                .where(shop_auth_t.c.platform == platform, shop_auth_t.c.shop_id == shop_id,
                       shop_auth_t.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    def store_refreshed(self, platform: str, shop_id: str, owner: str, tokens: TokenPair) -> None:
        with self._writer.begin() as connection:
            result = connection.execute(
                update(shop_auth_t)
                .where(and_(shop_auth_t.c.platform == platform, shop_auth_t.c.shop_id == shop_id))
                .values(
                    access_token=tokens.access_token,
                    refresh_token=tokens.refresh_token,
                    access_expires_at=tokens.access_expires_at,
                    refresh_expires_at=tokens.refresh_expires_at,
                    generation=shop_auth_t.c.generation + 1,
                    authorized=True,
                    unauthorized_reason=None,
                    updated_at=utcnow(),
                )
            )
            if result.rowcount != 1:
                raise RuntimeError(f"{platform} shop {shop_id} vanished while its tokens were refreshed")

    def mark_unauthorized(self, platform: str, shop_id: str, reason: str) -> None:
        with self._writer.begin() as connection:
            connection.execute(
                update(shop_auth_t)
                .where(shop_auth_t.c.platform == platform, shop_auth_t.c.shop_id == shop_id)
                .values(authorized=False, unauthorized_reason=reason, updated_at=utcnow())
            )
