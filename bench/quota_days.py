"""A publish larger than TikTok's daily listing limit, over compressed quota days: SyncStore's schedule
against what happened.

Usage: python bench/quota_days.py [--profile fast|realistic] [--products N] [--daily-listings N]
                                  [--day-seconds S] [--processes P] [--shopee-daily-calls N]

Starts `syncstore sandbox serve` in its own process with a scaled-down TikTok daily listing limit and a
day of S seconds, and tells SyncStore the same through the `export SYNCSTORE_...` lines it prints.
Authorizes both shops, imports the listings, maps categories and fills attributes as the demo does,
prints the plan (creates and updates per platform) and SyncStore's schedule (`tiktok_schedule`: the
quota days the TikTok creates need and when each day's part can start), then runs the batch to its end
with P `syncstore worker --until-idle` processes while sampling `batch_status` about once a second.

Then, per quota day (numbered with SyncStore's own QuotaDay): planned creates against those made
(accepted `POST /product/202309/products` in SyncStore's request logs, and the sandbox's own count),
the planned start of the day against its first create, the creates refused with 12052093, and the jobs
`sync status` showed waiting for the quota with the resume time it gave. Totals: jobs done, blocked and
failed, dead letters by error code, wall time. Exits 1 when a job was dead-lettered for a quota, when
the workers exited with jobs still open, or when the batch did not finish.

The batch starts at a quota reset (`--no-align` starts it at once): the schedule counts quota, not time,
so a first day begun near its end would look like a day the schedule got wrong.
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _harness import free_port, sandbox_process

from syncstore_cli.app.auth import authorize_shopee, authorize_tiktok
from syncstore_cli.app.context import AppContext
from syncstore_cli.app.demo import fill_attributes, map_categories
from syncstore_cli.app.marketplace_import import import_from_marketplaces
from syncstore_cli.app.sync import batch_status, plan, quota_resumes_at, run_worker, submit_batch, tiktok_schedule
from syncstore_cli.domain.catalog import PLATFORMS, Platform
from syncstore_cli.domain.desired import Action
from syncstore_cli.domain.quota import QuotaDay, parse_reset
from syncstore_cli.domain.vocabulary import ErrorCode, JobState
from syncstore_cli.marketplaces.tiktok.client import PRODUCT_PATH as CREATE_PATH
from syncstore_cli.marketplaces.tiktok.responses import ASSUMED_QUOTA_RESET, LISTING_LIMIT
from syncstore_cli.settings import load_settings

CATALOG = 4_147
SHOPEE_QUOTA_CODE = "error_limit"
# The realistic profile's limits (sandbox/config.py PROFILES): Shopee per shop, TikTok per API path per shop.
SHOPEE_RATE, SHOPEE_BURST = 10.0, 20
TIKTOK_PATH_RATE, TIKTOK_PATH_BURST = 20.0, 40


@dataclass
class DaySeen:
    """What the sampler saw of `sync status` during one quota day."""

    samples: int = 0
    max_waiting: int = 0
    creates_done_last: int = 0  # TikTok create jobs done, at the day's last sample
    resume_next: set[float] = field(default_factory=set)  # resume times equal to this day's reset
    max_overdue_jobs: int = 0  # jobs shown waiting with a resume time already passed (due, not yet run again)
    max_overdue_seconds: float = 0.0  # and by how long it had passed
    resume_wrong: set[float] = field(default_factory=set)  # any other resume time: a wrong one


def _moment(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).timestamp()
    return float(value)


def _sandbox_process(home: Path, args: argparse.Namespace) -> AbstractContextManager[dict[str, str]]:
    """`syncstore sandbox serve` with the quota flags, in its own process; yields the settings it prints."""
    port = free_port()
    command = [sys.executable, "-m", "syncstore_cli", "sandbox", "serve", "--port", str(port), "--profile",
               args.profile, "--state", str(home / "sandbox"), "--tiktok-daily-listings", str(args.daily_listings),
               "--day-seconds", f"{args.day_seconds:g}"]
    if args.shopee_daily_calls is not None:
        command += ["--shopee-daily-calls", str(args.shopee_daily_calls)]
    return sandbox_process(command, home)


def _planned_days(creates: int, limit: int, used: int, days: int) -> list[int]:
    """Creates per quota day as the schedule counts them: what is left of today's quota, then `limit` a day."""
    left, planned = creates, []
    for day in range(days):
        take = min(left, max(0, limit - used) if day == 0 else limit)
        planned.append(take)
        left -= take
    return planned


def _sandbox_creates(state: Path) -> list[float]:
    """When the sandbox made each listing that counts toward its daily limit (its own view; seeds excluded)."""
    database = state / "tiktok_listings.db"
    if not database.exists():
        return []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return [float(row[0]) for row in connection.execute(
            "SELECT create_time FROM products WHERE counts_toward_limit = 1 AND seed_key IS NULL")]


def _normal_path(path: str) -> str:
    return "/".join("{id}" if part.isdigit() else part for part in path.split("/"))


def _least_seconds(shopee_calls: float, tiktok_by_path: dict[str, float]) -> tuple[float, float]:
    """The least time the realistic rate limits allow: (the marketplaces' limits, SyncStore's own budget, which
    spends TikTok's 20/s per shop over every path)."""
    shopee = max(0.0, (shopee_calls - SHOPEE_BURST) / SHOPEE_RATE)
    per_path = max((max(0.0, (n - TIKTOK_PATH_BURST) / TIKTOK_PATH_RATE) for n in tiktok_by_path.values()),
                   default=0.0)
    per_shop = max(0.0, (sum(tiktok_by_path.values()) - TIKTOK_PATH_BURST) / TIKTOK_PATH_RATE)
    return max(shopee, per_path), max(shopee, per_shop)


def _whole_catalog_calls(rows: list[dict[str, Any]], jobs: list[Any], whole: Counter[tuple[str, str]],
                         products: int) -> tuple[dict[tuple[str, str], float], list[str]]:
    """Calls per (platform, API path) the whole catalog's plan `whole` would make at this run's calls per job of
    each (platform, action), from jobs never parked for a quota; the batch's own reads (no job) per product.
    Returns the estimate and the kinds of job this run had no measure for."""
    parked = {j.id for j in jobs if any(e.get("code") == ErrorCode.QUOTA_WAIT for e in j.errors)}
    kind_of = {j.id: (j.platform, j.action) for j in jobs if j.id not in parked}
    measured = Counter(kind_of.values())
    per_kind: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    unattributed: Counter[tuple[str, str]] = Counter()
    for row in rows:
        key = (row["platform"], f"{row['method']} {_normal_path(row['path'])}")
        if row["job_id"] is None:
            unattributed[key] += 1
        elif row["job_id"] in kind_of:
            per_kind[kind_of[row["job_id"]]][key[1]] += 1
    estimate: dict[tuple[str, str], float] = defaultdict(float)
    for key, count in unattributed.items():
        estimate[key] += count * CATALOG / products
    missing = []
    for (platform, action), count in whole.items():
        if not measured[(platform, action)]:
            if action not in (Action.BLOCKED.value, Action.NO_CHANGE.value):
                missing.append(f"{count:,} {platform} {action}")
            continue
        for path, calls in per_kind[(platform, action)].items():
            estimate[(platform, path)] += count * calls / measured[(platform, action)]
    return estimate, missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=("fast", "realistic"), default="fast")
    parser.add_argument("--products", type=int, default=None, help=f"first N products (default: all, {CATALOG:,})")
    # Defaults measured on the whole catalog (fast profile, 2 shared cores): 4 quota days, each day's quota used up
    # in 70-100 s of its 150, so the quota, not the rate of work, limits a day; 600 a day needs 6 days of >= 120 s.
    parser.add_argument("--daily-listings", type=int, default=800, help="TikTok's new listings a day")
    parser.add_argument("--day-seconds", type=float, default=150.0, help="length of a quota day, in seconds")
    parser.add_argument("--processes", type=int, default=2, help="`syncstore worker --until-idle` processes")
    parser.add_argument("--concurrency", type=int, default=8, help="threads per worker process")
    parser.add_argument("--shopee-daily-calls", type=int, default=None, help="Shopee's API calls a day")
    parser.add_argument("--spread", action="store_true",
                        help="take the N products spread evenly over the catalog (its mix), not the first N")
    parser.add_argument("--no-align", action="store_true", help="start the workers at once, not at a quota reset")
    args = parser.parse_args()
    problems: list[str] = []
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        os.environ["SYNCSTORE_HOME"] = str(home)
        with _sandbox_process(home, args) as settings:
            env = {"SYNCSTORE_HOME": str(home), **settings}
            os.environ.update(env)
            quota_env = {k: v for k, v in settings.items() if "QUOTA" in k or "DAILY" in k}
            print(f"profile {args.profile}; TikTok {args.daily_listings} listings a day; a day of "
                  f"{args.day_seconds:g} s; Shopee calls a day: {args.shopee_daily_calls or 'no quota'}; "
                  f"{args.processes} worker process(es) x {args.concurrency} threads; SyncStore told {quota_env}")
            with AppContext(load_settings(env)) as ctx:
                setup = time.perf_counter()
                authorize_shopee(ctx, sandbox_approve=True)
                authorize_tiktok(ctx, sandbox_approve=True)
                import_from_marketplaces(ctx, list(PLATFORMS))
                map_categories(ctx)
                fill_attributes(ctx)
                everything = [s.product.id for s in ctx.catalog.all_products()]
                count = min(args.products or len(everything), len(everything))
                ids = ([everything[n * len(everything) // count] for n in range(count)] if args.spread
                       else everything[:count])
                entries = plan(ctx, ids, list(PLATFORMS))
                actions = Counter((e.platform.value, e.action.value) for e in entries)
                print(f"setup (authorize, import, categories, attributes, plan): {time.perf_counter() - setup:.1f} s")
                print(f"plan: {len(ids):,} products x 2 platforms = {len(entries):,} jobs")
                for platform in PLATFORMS:
                    print(f"  {platform.value:<7} " + ", ".join(f"{a.value} {actions[(platform.value, a.value)]:,}"
                                                               for a in Action))
                tiktok_creates = actions[(Platform.TIKTOK.value, Action.CREATE.value)]

                submitted = time.perf_counter()
                batch_id = submit_batch(ctx, ids, list(PLATFORMS), source="bench quota_days", force=True)
                print(f"batch {batch_id} submitted (snapshot and backup) in {time.perf_counter() - submitted:.1f} s")
                # The sandbox's day (midnight in Jakarta, days of --day-seconds), which SyncStore must share.
                day = QuotaDay(parse_reset(ASSUMED_QUOTA_RESET), args.day_seconds)
                if ctx.settings.quota.tiktok_day != day:
                    problems.append(f"SyncStore's TikTok quota day {ctx.settings.quota.tiktok_day} is not the "
                                    f"sandbox's {day}")
                if not args.no_align:
                    wait = day.next_reset(time.time()) - time.time()
                    print(f"waiting {wait:.1f} s for the next quota reset, so that day 1 is a whole day")
                    time.sleep(wait + 0.05)
                start = time.time()
                schedule = tiktok_schedule(ctx, entries, now=start)
                first_day = day.start(start)

                def day_of(moment: float) -> int:
                    return round((day.start(moment) - first_day) / day.length) + 1

                def planned_start(number: int) -> float:
                    return 0.0 if number == 1 else first_day + (number - 1) * day.length - start

                planned: list[int] = []
                if schedule is None:
                    print("schedule: no TikTok create in the plan")
                else:
                    planned = _planned_days(schedule.creates, schedule.limit, schedule.used_today, schedule.days)
                    print(f"schedule (tiktok_schedule at the start): {schedule.creates:,} creates at {schedule.limit}"
                          f" a day, {schedule.used_today} used today: {schedule.days} quota day(s); the last part "
                          f"from +{schedule.last_part_from - start:.1f} s")
                    for number, count in enumerate(planned, 1):
                        print(f"  day {number}: {count:>5,} creates from +{planned_start(number):7.1f} s")
                    if schedule.days > 1 and abs(planned_start(schedule.days) - (schedule.last_part_from - start)) > 1:
                        problems.append("the schedule's last part does not start at the last day's reset")

                logs_dir = home / "workers"
                logs_dir.mkdir()
                workers = [subprocess.Popen(
                    [sys.executable, "-m", "syncstore_cli", "worker", "--concurrency", str(args.concurrency),
                     "--until-idle"], stdout=(logs_dir / f"{n}.out").open("w"), stderr=subprocess.STDOUT)
                    for n in range(args.processes)]
                seen: dict[int, DaySeen] = defaultdict(DaySeen)
                sample_seconds: list[float] = []
                summary = batch_status(ctx, batch_id, with_jobs=False)
                while any(w.poll() is None for w in workers):
                    began = time.perf_counter()
                    summary = batch_status(ctx, batch_id)
                    now = time.time()
                    sample_seconds.append(time.perf_counter() - began)
                    today = seen[day_of(now)]
                    today.samples += 1
                    waits = [w for w in map(quota_resumes_at, summary.jobs) if w is not None]
                    today.max_waiting = max(today.max_waiting, len(waits))
                    today.creates_done_last = sum(1 for j in summary.jobs if j.platform == Platform.TIKTOK.value
                                                  and j.action == Action.CREATE.value and j.state == JobState.DONE)
                    reset = day.next_reset(now)
                    overdue = [now - w for w in waits if w <= now]
                    today.max_overdue_jobs = max(today.max_overdue_jobs, len(overdue))
                    today.max_overdue_seconds = max([today.max_overdue_seconds, *overdue])
                    for resumes in {w for w in waits if w > now}:
                        if abs(resumes - reset) < 0.5:
                            today.resume_next.add(round(resumes - start, 1))
                        else:
                            today.resume_wrong.add(round(resumes - start, 1))
                    # Every second, unless reading every job takes long (the whole catalog): then at most a fifth of
                    # a core goes to watching, not to the workers being watched.
                    time.sleep(max(0.2, 1.0 - sample_seconds[-1], 4 * sample_seconds[-1]))
                codes = [w.wait() for w in workers]
                summary = batch_status(ctx, batch_id)
                worker_wall = time.time() - start
                if not summary.finished:
                    problems.append(f"every `syncstore worker --until-idle` exited (codes {codes}) with "
                                    f"{summary.pending} job(s) pending and {summary.in_progress} leased "
                                    f"after {worker_wall:.1f} s")
                    print(f"FINDING: {problems[-1]}; finishing with a worker in this process, to see the rest")
                    run_worker(ctx, concurrency=args.concurrency,
                               until=lambda: batch_status(ctx, batch_id, with_jobs=False).finished)
                    summary = batch_status(ctx, batch_id)
                wall = time.time() - start

                rows = ctx.jobs.logs(batch_id=batch_id, limit=100_000_000)
                created = sorted(_moment(r["created_at"]) for r in rows
                                 if r["method"] == "POST" and r["path"] == CREATE_PATH and r["status"] == "ok")
                refused = sorted(_moment(r["created_at"]) for r in rows
                                 if r["method"] == "POST" and r["path"] == CREATE_PATH and r["status"] == "error"
                                 and str(LISTING_LIMIT) in f"{r['response_payload']} {r['error_message']}")
                unanswered = sum(1 for r in rows if r["method"] == "POST" and r["path"] == CREATE_PATH
                                 and r["status"] == "error"
                                 and str(LISTING_LIMIT) not in f"{r['response_payload']} {r['error_message']}")
                boxed = [t for t in _sandbox_creates(home / "sandbox") if t >= start - 1]

                def sandbox_day(whole_second: float) -> int:
                    # The sandbox keeps whole seconds and starts its day at the whole second holding the reset.
                    number = day_of(whole_second)
                    return number + 1 if whole_second >= math.floor(first_day + number * day.length) else number

                by_day_created = Counter(day_of(t) for t in created)
                by_day_box = Counter(sandbox_day(t) for t in boxed)
                by_day_refused = Counter(day_of(t) for t in refused)
                creates_of: dict[int, list[float]] = defaultdict(list)
                for t in created:
                    creates_of[day_of(t)].append(t)
                # A refusal SyncStore could not have foreseen: its own count of the day's creates was below the
                # limit it was told (a day boundary the two sides place differently, or someone else's listings).
                unforeseen = sum(1 for t in refused if bisect_left(created, t) - bisect_left(created, day.start(t))
                                 < args.daily_listings)

                print()
                print(f"per quota day (day 1 from +0.0 s, {day.length:g} s each; times in s from the start):")
                print(f"  {'day':>3} {'planned':>7} {'created':>7} {'sandbox':>7} {'refused':>7} {'jobs done':>9} "
                      f"{'plan start':>10} {'1st create':>10} {'late':>6} {'limit hit':>9} {'max wait':>8}  "
                      "resume shown (s from the start)")
                last = max([len(planned), *by_day_created, *by_day_box, *seen]) if (planned or created or seen) else 0
                previous_done = 0
                for number in range(1, last + 1):
                    look = seen.get(number, DaySeen())
                    todays = creates_of.get(number, [])
                    first = todays[0] - start if todays else None
                    late = "" if first is None else f"{first - planned_start(number):6.1f}"
                    # When the day's quota was used up, from the day's start: well before the day ends, the
                    # quota (not the rate of work) is what limited the day.
                    hit = (f"{todays[args.daily_listings - 1] - day.start(todays[0]):9.1f}"
                           if len(todays) >= args.daily_listings else f"{'-':>9}")
                    shown = ", ".join(f"+{r:.1f}" for r in sorted(look.resume_next)[:3]) or "-"
                    if look.max_overdue_jobs:
                        shown += (f"; up to {look.max_overdue_jobs:,} shown with a passed resume time (by up to "
                                  f"{look.max_overdue_seconds:.0f} s)")
                    if look.resume_wrong:
                        shown += f"; WRONG {sorted(look.resume_wrong)[:3]}"
                    done_today = look.creates_done_last - previous_done if look.samples else 0
                    previous_done = look.creates_done_last if look.samples else previous_done
                    print(f"  {number:>3} {planned[number - 1] if number <= len(planned) else 0:>7,} "
                          f"{by_day_created[number]:>7,} {by_day_box[number]:>7,} {by_day_refused[number]:>7,} "
                          f"{done_today:>9,} {planned_start(number):>10.1f} "
                          f"{'-' if first is None else f'{first:.1f}':>10} {late:>6} {hit} {look.max_waiting:>8,}  "
                          f"{shown}")
                    if look.resume_wrong:
                        problems.append(f"day {number}: `sync status` showed resume times that are not a reset: "
                                        f"{sorted(look.resume_wrong)[:5]}")
                if planned and created:
                    print(f"schedule: {len(planned)} quota day(s), the last part from "
                          f"+{planned_start(len(planned)):.1f} s; what happened: creates on {len(by_day_created)} "
                          f"day(s), the last on day "
                          f"{day_of(created[-1])} at +{created[-1] - start:.1f} s")
                    if abs(day_of(created[-1]) - len(planned)) > 1:
                        problems.append(f"the last create came on day {day_of(created[-1])}; the schedule said "
                                        f"{len(planned)} day(s)")
                if any(n > args.daily_listings for n in by_day_box.values()):
                    problems.append("the sandbox made more listings in a day than its limit")

                print()
                dead = [j for j in ctx.jobs.dead_letters() if j.batch_id == batch_id]
                by_code = Counter(j.error_code or "none" for j in dead)

                def for_quota(job: Any) -> bool:
                    marks = {str(LISTING_LIMIT), SHOPEE_QUOTA_CODE, ErrorCode.QUOTA_WAIT.value}
                    return job.error_code == ErrorCode.QUOTA_WAIT or any(
                        str(e.get("code")) in marks or str(e.get("marketplace_code")) in marks for e in job.errors[-1:])

                quota_dead = [j for j in dead if for_quota(j)]
                print(f"jobs: {summary.total_jobs:,}: {summary.completed:,} done, {summary.blocked:,} blocked, "
                      f"{summary.failed:,} failed, {summary.pending:,} pending, {summary.in_progress:,} leased "
                      f"(batch {summary.status})")
                print(f"dead letters: {len(dead)} by error code {dict(by_code) or '{}'}; for a quota: {len(quota_dead)}"
                      + (f" (jobs {[j.id for j in quota_dead][:10]}: {quota_dead[0].message})" if quota_dead else ""))
                for job in dead[:5]:
                    print(f"  job {job.id} {job.product_id} {job.platform} {job.state} {job.error_code}: "
                          f"{(job.message or '')[:160]}")
                planned_action = {(e.product_id, e.platform.value): e.action.value for e in entries}
                surprises = [j for j in summary.jobs if j.state == JobState.BLOCKED
                             and planned_action.get((j.product_id, j.platform)) != Action.BLOCKED.value]
                for job in surprises[:5]:
                    print(f"  blocked, planned {planned_action.get((job.product_id, job.platform))}: job {job.id} "
                          f"{job.product_id} {job.platform}: {(job.message or '')[:160]}")
                print(f"TikTok creates: {len(created):,} accepted (the sandbox counted {len(boxed):,}; planned "
                      f"{tiktok_creates:,}); 12052093 refusals: {len(refused):,}, of which {unforeseen} came while "
                      f"SyncStore's own count for that day (accepted creates in its logs, what `syncstore quota` "
                      f"counts) was below the limit it was told; create calls that failed otherwise (a 5xx, no "
                      f"answer): "
                      f"{unanswered}")
                # Each quota wait the engine recorded: when the refusal was classified, and the resume it set.
                waits_recorded = [(float(e["at"]), float(e["resumes_at"])) for j in summary.jobs for e in j.errors
                                  if e.get("code") == ErrorCode.QUOTA_WAIT and e.get("resumes_at") is not None]
                # The reset just passed is right too for a refusal answered within a second after it: the request
                # was sent, and refused, on the day before (the job is due at once).
                off = [(at, resumes) for at, resumes in waits_recorded if abs(resumes - day.next_reset(at)) > 0.5
                       and not (at - day.start(at) < 1.0 and abs(resumes - day.start(at)) <= 0.5)]
                just_after = [at - day.start(at) for at, _ in waits_recorded if at - day.start(at) < 1.0]
                print(f"quota waits recorded: {len(waits_recorded):,}; resume time not the next reset after the "
                      f"refusal: {len(off)}; classified within 1 s after a reset (so parked until the following "
                      f"one): {len(just_after)}" + (f", {max(just_after) * 1000:.0f} ms after at most"
                                                     if just_after else ""))
                if off:
                    problems.append(f"{len(off)} quota wait(s) resume at a time that is not the next reset, e.g. "
                                    f"refused at +{off[0][0] - start:.2f} s, resuming at +{off[0][1] - start:.2f} s")
                print(f"worker processes exited with {codes} after {worker_wall:.1f} s; wall time {wall:.1f} s "
                      f"({wall / day.length:.1f} quota days); {len(sample_seconds)} samples of `batch_status`, "
                      f"{sum(sample_seconds) / max(1, len(sample_seconds)):.2f} s each on average, one every "
                      f"{worker_wall / max(1, len(sample_seconds)):.1f} s")

                calls = Counter(r["platform"] for r in rows)
                print(f"API calls: {len(rows):,} ({calls['shopee']:,} Shopee, {calls['tiktok']:,} TikTok), "
                      f"{len(rows) / len(ids):.2f} per product; {len(refused):,} of them refused creates")
                by_api = Counter(f"{r['platform']} {r['method']} {_normal_path(r['path'])}" for r in rows)
                for api, count in sorted(by_api.items()):
                    print(f"    {api:<62} {count:>7,}")
                if args.profile == "realistic":
                    # The least time the rate limits alone need: this run's calls, and the whole catalog's from this
                    # run's calls per job of each kind (jobs never parked for the quota: re-runs after a refusal and
                    # the refusals themselves depend on the scaled-down limit, not on the rate) and per product for
                    # the batch's snapshot reads, applied to the whole catalog's plan.
                    whole = Counter((e.platform.value, e.action.value)
                                    for e in plan(ctx, everything, list(PLATFORMS)))
                    estimate, missing = _whole_catalog_calls(rows, summary.jobs, whole, len(ids))
                    here_tiktok = Counter(_normal_path(r["path"]) for r in rows if r["platform"] == "tiktok")
                    here_marketplace, here_own = _least_seconds(calls["shopee"], dict(here_tiktok))
                    shopee_calls = sum(n for (platform, _), n in estimate.items() if platform == "shopee")
                    tiktok_paths = {path: n for (platform, path), n in estimate.items() if platform == "tiktok"}
                    marketplace, own = _least_seconds(shopee_calls, tiktok_paths)
                    print(f"least time the realistic rate limits allow for this run's calls: {here_marketplace:.1f} s "
                          f"(the marketplaces' limits), {here_own:.1f} s (SyncStore's budget: TikTok's 20/s per "
                          f"shop over every path); the run took {wall:.1f} s over {len(planned)} quota day(s)")
                    busiest = max(tiktok_paths.items(), key=lambda item: item[1], default=("-", 0.0))
                    print(f"whole catalog ({len(everything):,} products, {sum(whole.values()):,} jobs) at this run's "
                          f"calls per job: about {shopee_calls:,.0f} Shopee and {sum(tiktok_paths.values()):,.0f} "
                          f"TikTok calls (busiest TikTok path {busiest[0]}: {busiest[1]:,.0f}); least time "
                          f"{marketplace / 60:.1f} min at the marketplaces' limits (Shopee {SHOPEE_RATE:g}/s per shop, "
                          f"TikTok {TIKTOK_PATH_RATE:g}/s per path), {own / 60:.1f} min at SyncStore's budget "
                          f"(TikTok {TIKTOK_PATH_RATE:g}/s per shop); quota days at the real limit not counted"
                          + (f"; not measured here, so left out: {', '.join(missing)}" if missing else ""))
                for problem in problems:
                    print(f"FINDING: {problem}")
                print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if quota_dead:
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
