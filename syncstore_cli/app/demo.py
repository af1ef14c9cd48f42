"""The seller's whole plan, end to end, on a fresh data folder against the local sandbox.

Start the sandbox; authorize both shops; import the existing listings; sync the two pilot products
by hand and spot-check them; a batch of 10, then of 50, each spot-checked, validated and approved
before the next; validate everything; write the reports; and show a rollback on a throwaway batch,
proving with the sandbox's audit and read-backs that it left the marketplaces as they were.
Every figure it prints is read from the store or the sandbox, never assumed.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.catalog import PLATFORMS, Platform
from syncstore_cli.domain.desired import Action
from syncstore_cli.domain.seo import PLATFORM_LABELS
from syncstore_cli.domain.vocabulary import JobState, RollbackStepState, SyncStatus
from syncstore_cli.errors import SyncStoreError, UserInputError

DEFAULT_PORT = 8780  # the same as `syncstore sandbox serve`
MARKER = ".syncstore-demo"  # only a folder carrying this (or an empty one) is wiped


class DemoFailed(SyncStoreError):
    exit_code = 1

    def __init__(self, message: str, result: DemoResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class DemoStep:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class DemoResult:
    folder: Path
    steps: list[DemoStep] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    batches: dict[str, str] = field(default_factory=dict)  # label -> batch id

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)


def prepare_folder(folder: Path) -> None:
    """A fresh data folder: created, or emptied when it is an earlier demo's (never anything else)."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise UserInputError(f"{folder}: not empty and not a SyncStore demo folder; choose another --folder")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("created by `syncstore demo`; it may delete this folder's contents\n")


@contextmanager
def _sandbox(folder: Path, port: int) -> Iterator[str]:
    from syncstore_cli.sandbox import config as c
    from syncstore_cli.sandbox.app import build_sandbox, serve_in_background
    from syncstore_cli.sandbox.generator import generate_catalog

    box = build_sandbox(c.SandboxConfig(profile="fast"), folder / "sandbox")
    server = serve_in_background(box, port=port)
    try:
        catalog = generate_catalog(image_base_url=server.url)
        box.shopee_products.seed_from_catalog(catalog.products, c.DEMO_SHOPEE_SHOP_ID)
        box.tiktok_products.seed_from_catalog(catalog.products, c.DEMO_TIKTOK_SHOP_ID)
        yield server.url
    finally:
        server.stop()
        box.close()


def sandbox_environment(folder: Path, url: str) -> dict[str, str]:
    from syncstore_cli.sandbox import config as c

    return {"SYNCSTORE_HOME": str(folder), "SYNCSTORE_SHOPEE_BASE_URL": url, "SYNCSTORE_TIKTOK_BASE_URL": url,
            "SYNCSTORE_TIKTOK_AUTH_URL": url, "SYNCSTORE_SHOPEE_PARTNER_ID": c.DEMO_SHOPEE_PARTNER_ID,
            "SYNCSTORE_SHOPEE_PARTNER_KEY": c.DEMO_SHOPEE_PARTNER_KEY,
            "SYNCSTORE_TIKTOK_APP_KEY": c.DEMO_TIKTOK_APP_KEY, "SYNCSTORE_TIKTOK_APP_SECRET": c.DEMO_TIKTOK_APP_SECRET,
            # The fast profile has no rate limits; the clients' own pacing would only slow the demo down.
            **{f"SYNCSTORE_{p}_{k}": "1000" for p in ("SHOPEE", "TIKTOK") for k in ("RATE_PER_SECOND", "RATE_BURST")}}


def run_demo(folder: Path, say: Callable[[str], None] = print, port: int = DEFAULT_PORT) -> DemoResult:
    """Runs the plan; the sandbox listens on `port` (its image URLs are in the catalog, so serving the
    demo's sandbox state again later, on the same port, lets `syncstore validate` check it)."""
    prepare_folder(folder)
    result = DemoResult(folder)
    saved = {k: v for k, v in os.environ.items() if k.startswith("SYNCSTORE_")}
    try:
        with _sandbox(folder, port) as url:
            environment = sandbox_environment(folder, url)
            for name in saved:
                if name != "SYNCSTORE_REQUIRE_SERVICES":
                    os.environ.pop(name, None)
            os.environ.update(environment)  # so every part of SyncStore, and `syncstore` run by hand, agrees
            say(f"Sandbox on {url}; data folder {folder}")
            _Plan(result, environment, url, say).run()
    finally:
        for name in [k for k in os.environ if k.startswith("SYNCSTORE_")]:
            os.environ.pop(name)
        os.environ.update(saved)
    return result


class _Plan:
    def __init__(self, result: DemoResult, environment: dict[str, str], url: str, say: Callable[[str], None]) -> None:
        from syncstore_cli.settings import load_settings

        self.result = result
        self.url = url
        self.say = say
        self.ctx = AppContext(load_settings(environment))

    def step(self, name: str, action: Callable[[], str]) -> None:
        started = time.perf_counter()
        try:
            detail = action()
            ok = True
        except (SyncStoreError, AssertionError) as error:
            detail, ok = f"{type(error).__name__}: {error}", False
        step = DemoStep(name, ok, detail, time.perf_counter() - started)
        self.result.steps.append(step)
        self.say(f"{'ok ' if ok else 'FAILED'} {name} ({step.seconds:.1f} s): {detail}")
        if not ok:
            raise DemoFailed(f"demo stopped at '{name}': {detail}", self.result)

    def run(self) -> None:
        with self.ctx:
            self.step("authorize Shopee and TikTok Shop", self.authorize)
            self.step("import the existing listings", self.import_listings)
            self.step("map the categories (suggest, accept)", self.map_categories)
            self.step("fill the mandatory attributes", self.fill_attributes)
            self.step("sync the two pilot products by hand", self.pilots)
            self.step("spot-check the pilots", lambda: self.spot_check("pilots"))
            for size in (10, 50):
                self.staged_batch(size)
            self.step("validate everything synced", lambda: self.validate(None))
            self.step("write the reports", self.reports)
            self.step("rollback of a throwaway batch", self.rollback)

    def staged_batch(self, size: int) -> None:
        label = f"batch of {size}"
        self.step(f"{label}: sync", lambda: self.batch(label, size))
        self.step(f"{label}: spot-check", lambda: self.spot_check(label))
        self.step(f"{label}: validate", lambda: self.validate(self.result.batches[label]))
        self.step(f"{label}: approve", lambda: self.approve(label))

    # -- the steps -----------------------------------------------------------------------------
    def authorize(self) -> str:
        from syncstore_cli.app.auth import authorize_shopee, authorize_tiktok

        shopee = authorize_shopee(self.ctx, sandbox_approve=True, show_link=lambda _: None)
        tiktok = authorize_tiktok(self.ctx, sandbox_approve=True, show_link=lambda _: None)
        return f"Shopee shop {shopee.shop_id}, TikTok shop {tiktok.shop_id}"

    def import_listings(self) -> str:
        from syncstore_cli.app.marketplace_import import describe_import, import_from_marketplaces

        summary = import_from_marketplaces(self.ctx, list(PLATFORMS))
        count = len(self.ctx.catalog.all_products())
        return f"{count:,} products in the catalog: {describe_import(summary)}" if count else "nothing imported"

    def map_categories(self) -> str:
        return map_categories(self.ctx)

    def fill_attributes(self) -> str:
        return fill_attributes(self.ctx)

    def _ids_by_sku(self) -> dict[str, str]:
        return self.ctx.catalog.sku_owners()

    def pilots(self) -> str:
        from syncstore_cli.app.sync import manual_sync
        from syncstore_cli.sandbox.generator import generate_catalog

        generated = generate_catalog().products[:2]  # the pilots A and B, by their SKUs
        owners = self._ids_by_sku()
        ids = [owners[p.sku] for p in generated]
        result = manual_sync(self.ctx, ids, list(PLATFORMS))
        batch_id, jobs = result.batch_id, result.jobs
        self.result.batches["pilots"] = batch_id
        done = [j for j in jobs if j.state == JobState.DONE]
        assert len(done) == len(jobs), f"pilot jobs not all done: {[(j.product_id, j.state, j.message) for j in jobs]}"
        return f"{len(ids)}/{len(ids)} products synced to both platforms ({batch_id})"

    def _valid_unsynced(self, count: int) -> list[str]:
        """Products that plan valid on both platforms and were not synced yet, in catalog order."""
        from syncstore_cli.app.sync import plan

        chosen: list[str] = []
        candidates = [s.product.id for s in self.ctx.catalog.all_products() if s.product.status is
                      SyncStatus.NOT_SYNCED]
        for start in range(0, len(candidates), 200):
            window = candidates[start:start + 200]
            entries = plan(self.ctx, window, list(PLATFORMS))
            blocked = {e.product_id for e in entries if e.action is Action.BLOCKED}
            chosen.extend(pid for pid in window if pid not in blocked)
            if len(chosen) >= count:
                break
        return chosen[:count]

    def batch(self, label: str, size: int) -> str:
        from syncstore_cli.app.sync import batch_status, run_worker, submit_batch

        ids = self._valid_unsynced(size)
        batch_id = submit_batch(self.ctx, ids, list(PLATFORMS), source=f"demo: {label}")
        run_worker(self.ctx, reconcile_seconds=0.5,
                   until=lambda: batch_status(self.ctx, batch_id, with_jobs=False).finished)
        summary = batch_status(self.ctx, batch_id)
        self.result.batches[label] = batch_id
        assert summary.completed == summary.total_jobs, (
            f"{summary.completed}/{summary.total_jobs} jobs done; "
            f"{[(j.product_id, j.platform, j.state, j.message) for j in summary.jobs if j.state != JobState.DONE]}")
        return f"{len(ids)}/{len(ids)} products, {summary.completed}/{summary.total_jobs} jobs done ({batch_id})"

    def spot_check(self, label: str) -> str:
        from syncstore_cli.app.checks import spot_check

        batch_id = self.result.batches[label]
        outcome = spot_check(self.ctx, batch_id, sample=5, seed=1)
        assert outcome.passed, f"spot check of {batch_id} found differences: {outcome.summary}"
        return outcome.summary

    def validate(self, batch_id: str | None) -> str:
        from syncstore_cli.app.checks import run_validation

        outcome = run_validation(self.ctx, batch_id=batch_id)
        assert outcome.passed, f"validation failed: {outcome.summary}"
        return outcome.summary

    def approve(self, label: str) -> str:
        from syncstore_cli.app.safety import approve

        approval = approve(self.ctx, self.result.batches[label], note="syncstore demo")
        return f"approved {approval.batch_id}; batches may now hold up to {approval.next_limit:,} products"

    def reports(self) -> str:
        from syncstore_cli.app.reports import write_report

        for label in ("pilots", "batch of 10", "batch of 50"):
            for fmt in ("md", "html"):
                self.result.reports.append(write_report(self.ctx, self.result.batches[label], fmt=fmt).path)
        return ", ".join(str(p.relative_to(self.result.folder)) for p in self.result.reports)

    def rollback(self) -> str:
        from syncstore_cli.app.rollback import rollback
        from syncstore_cli.app.sync import batch_status, run_worker, submit_batch
        from syncstore_cli.engine.remote import remote_state

        audit_before = self._audit()
        ids = self._valid_unsynced(4)
        batch_id = submit_batch(self.ctx, ids, list(PLATFORMS), source="demo: throwaway batch")
        self.result.batches["throwaway"] = batch_id
        run_worker(self.ctx, reconcile_seconds=0.5,
                   until=lambda: batch_status(self.ctx, batch_id, with_jobs=False).finished)
        summary = batch_status(self.ctx, batch_id)
        created = [j for j in summary.jobs if j.action == Action.CREATE and j.state == JobState.DONE]
        updated = [j for j in summary.jobs if j.action == Action.UPDATE and j.state == JobState.DONE]
        report = rollback(self.ctx, batch_id)
        assert report.failed == 0 and report.done == len(report.steps), f"rollback steps: {report.steps}"
        again = rollback(self.ctx, batch_id)
        assert all(s.state == RollbackStepState.DONE for s in again.steps), "a second rollback found work left"
        # Read-back: every listing that existed is as the snapshot shows; every listing the batch made is gone.
        snapshots = self.ctx.safety.snapshots(batch_id)
        with self.ctx.sync_session() as session:
            for snap in snapshots:
                client = session.shops[Platform(snap.platform)].client
                if snap.external_id is None:
                    sku = self.ctx.catalog.get(snap.product_id).product.sku
                    assert not client.find_by_sku(sku), f"{snap.platform} still lists {sku} after the rollback"
                else:
                    now = remote_state(client.get_listing(snap.external_id))
                    assert snap.state is not None
                    different = [g for g in ("title", "price", "stock", "variants", "description")
                                 if now[g] != snap.state[g]]
                    assert not different, f"{snap.platform} {snap.external_id} differs in {different}"
        audit_after = self._audit()
        assert audit_after == audit_before, f"sandbox audit changed: {audit_before} -> {audit_after}"
        return (f"{batch_id}: created {len(created)} and updated {len(updated)} listings; the rollback deleted "
                f"and restored them ({report.done} steps); read-back and sandbox audit match the state before")

    def _audit(self) -> dict[str, Any]:
        """Listings per shop and SKUs listed twice, as the sandbox's seller centre counts them."""
        import httpx

        found = httpx.get(f"{self.url}/sandbox/audit.json", timeout=30).json()
        return {k: v for k, v in found.items() if k != "at"}


# What the seller answers for the attributes the marketplaces make mandatory, by the attribute's name; any
# other listed attribute gets its first value, a free-text one "-" (the demo's stand-in for the seller).
_SELLER_ANSWERS: dict[str, tuple[str, ...]] = {
    "negara asal": ("China", "Tiongkok"), "country of origin": ("China", "Mainland China"),
    "masa garansi": ("Tanpa Garansi", "No Warranty"), "warranty period": ("No Warranty", "Tanpa Garansi"),
    "dangerous goods": ("No", "Tidak Ada"), "barang berbahaya": ("Tidak Ada", "Tidak", "No"),
    "jenis garansi": ("Tanpa Garansi",), "jenis baterai": ("Li-Po", "LiPo"),
}


def _seller_answer(attribute: str, values: list[str], *, lithium: bool = False) -> str:
    answers = _SELLER_ANSWERS.get(attribute.strip().casefold(), ())
    if lithium and attribute.strip().casefold() in ("dangerous goods", "barang berbahaya"):
        answers = ("Mengandung Baterai Litium", "Contains lithium battery", *answers)
    for answer in answers:
        if any(answer.casefold() == v.casefold() for v in values) or not values:
            return answer
    return values[0] if values else "-"


def map_categories(ctx: AppContext) -> str:
    """The seller's first mapping: read the trees, then map every unmapped master category to the
    marketplaces' top suggestion. Also used by bench/ to prepare a sandbox as the demo does."""
    from syncstore_cli.app.categories import overview, refresh, suggest

    trees = refresh(ctx, list(PLATFORMS))  # the trees, and the attributes of what the import mapped
    results = suggest(ctx, list(PLATFORMS), every_master=True, accept=True)
    accepted = [r for r in results if r.accepted]
    # The import mapped each master category to where its listings already are; the marketplaces'
    # own suggestions are the second opinion the seller reviews (`syncstore categories show`).
    agree = [r for r in results if r.mapped and r.suggestions and r.suggestions[0].category_id == r.mapped]
    left = overview(ctx).unmapped
    assert not left, f"still unmapped after suggest --all --accept: {left}"
    sizes = ", ".join(f"{PLATFORM_LABELS[r.platform]} {r.leaves:,} leaves" for r in trees)
    return (f"trees read ({sizes}); {len(accepted)} mappings accepted from the marketplaces' suggestions; "
            f"their top suggestion agrees with {len(agree)}/{len(results) - len(accepted)} mappings taken "
            "from the imported listings")


def fill_attributes(ctx: AppContext) -> str:
    """Every missing mandatory attribute gets the seller's answer (`_seller_answer`), per category."""
    from syncstore_cli.app.categories import missing_attributes, set_attribute

    gaps = missing_attributes(ctx).lines
    chosen: dict[tuple[Platform, str, str], str] = {}
    for gap in gaps:
        key = (gap.platform, gap.category_id, gap.attribute.id)
        if key not in chosen:
            leaf_name = gap.category.rsplit(" > ", 1)[-1].casefold()
            lithium = leaf_name.startswith(("baterai", "batteries", "battery"))
            chosen[key] = _seller_answer(gap.attribute.name, [name for _, name in gap.attribute.values],
                                         lithium=lithium)
            set_attribute(ctx, gap.category_id, gap.platform, gap.attribute.id, chosen[key])
            if lithium and "litium" in chosen[key].casefold():
                # TikTok then requires the battery type too (a condition, not a mandatory flag).
                set_attribute(ctx, gap.category_id, gap.platform, "Jenis Baterai", "LiPo")
                chosen[(gap.platform, gap.category_id, "Jenis Baterai")] = "LiPo"
    after = missing_attributes(ctx)
    assert not after.lines, f"still missing: {[line.as_json() for line in after.lines][:3]}"
    blocked = sum(gap.products for gap in gaps)
    return (f"{len(chosen)} category attribute values set ({len(gaps)} gaps that blocked {blocked:,} product "
            "listings); none missing now")
