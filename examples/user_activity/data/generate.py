#!/usr/bin/env python3
"""Writes the user_activity example's data: data/events.csv, data/user_profile.csv, labels.csv.

Deterministic: standard library only, a fixed seed, no clock. Rerunning it rewrites the same
bytes, so the committed CSVs are exactly its output.

    python3 examples/user_activity/data/generate.py

Users u_001..u_007 are hand-written scenarios whose feature values the README works out by
hand (window boundaries, ties, nulls, late rows, labels before the first event, profile
changes); u_008..u_020 are random app users; u_021 has a profile but no events; u_099 appears
only in the labels.
"""

import csv
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

DATA = Path(__file__).resolve().parent
EXAMPLE = DATA.parent
SEED = 20240315
DAY = datetime(2024, 3, 15, tzinfo=timezone.utc)


def at(hh, mm=0, ss=0.0, day=DAY):
    """A time on the example's day; `ss` may carry milliseconds (12.5) or microseconds."""
    return day + timedelta(hours=hh, minutes=mm, microseconds=round(ss * 1_000_000))


def rfc3339(t):
    """RFC 3339 UTC with whole seconds, milliseconds or microseconds, whichever is exact."""
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond == 0:
        return base + "Z"
    if t.microsecond % 1000 == 0:
        return f"{base}.{t.microsecond // 1000:03d}Z"
    return f"{base}.{t.microsecond:06d}Z"


def cell(value):
    """One CSV field; an empty field is a null."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        for row in rows:
            out.writerow([cell(v) for v in row])


EVENT_COLUMNS = ["user_id", "event_type", "product_id", "revenue", "session_id", "platform", "event_ts"]


class Events:
    """Collects events with the time each one reached the log; the file is in arrival order."""

    def __init__(self):
        self.rows = []  # (arrival, sequence, row)

    def add(self, user, kind, product, revenue, session, platform, ts, arrives=None):
        arrival = ts if arrives is None else arrives
        self.rows.append((arrival, len(self.rows), (user, kind, product, revenue, session, platform, ts)))

    def in_arrival_order(self):
        return [row for _, _, row in sorted(self.rows)]


def scenario_events(events):
    # u_001: events exactly on window edges. 13:00:00 is in [13:00, 14:00) but not in
    # [13:15, 14:15); the purchase at exactly 14:00:00 is invisible to a label at 14:00:00.
    events.add("u_001", "page_view", "p_104", None, "s_0001", "web", at(13, 0, 0))
    events.add("u_001", "add_to_cart", "p_104", None, "s_0001", "web", at(13, 59, 59.999))
    events.add("u_001", "purchase", "p_104", 49.90, "s_0001", "web", at(14, 0, 0))

    # u_002: two devices, two events at the very same instant: last(platform) breaks the tie
    # by the larger value, 'web' > 'ios'.
    events.add("u_002", "page_view", "p_201", None, "s_0002", "ios", at(12, 30, 5.250))
    events.add("u_002", "page_view", "p_202", None, "s_0003", "web", at(12, 30, 5.250))

    # u_003: nulls everywhere they are allowed. An e-mail click has no session and no
    # platform; a free order has no revenue; a search has no product and the SDK lost the
    # platform, so last(platform) is the last non-null one.
    events.add("u_003", "email_click", "p_301", None, None, None, at(10, 5, 0.000417))
    events.add("u_003", "page_view", "p_301", None, "s_0004", "android", at(10, 6, 12.5))
    events.add("u_003", "purchase", "p_301", None, "s_0004", "android", at(10, 8, 40))
    events.add("u_003", "purchase", "p_302", 19.99, "s_0004", "android", at(10, 9, 2))
    events.add("u_003", "search", None, None, "s_0004", None, at(10, 11, 30))

    # u_004: a phone that was offline; its morning session reaches the log at 15:42, so its rows
    # sit among the afternoon's, after a later web visit that arrived on time.
    late = at(15, 42, 10)
    events.add("u_004", "page_view", "p_401", None, "s_0005", "ios", at(11, 10, 0.120), late)
    events.add("u_004", "add_to_cart", "p_401", None, "s_0005", "ios", at(11, 12, 31.004), late)
    events.add("u_004", "purchase", "p_401", 129.00, "s_0005", "ios", at(11, 25, 47.880), late)
    events.add("u_004", "page_view", "p_402", None, "s_0006", "web", at(11, 40, 0))

    # u_005: first event in the afternoon; a label in the morning sees only empty windows.
    events.add("u_005", "page_view", "p_501", None, "s_0007", "web", at(16, 20, 0.750))
    events.add("u_005", "purchase", "p_501", 15.00, "s_0007", "web", at(16, 21, 3))


PRODUCTS = [f"p_{n:03d}" for n in range(600, 640)]
PLATFORMS = ["ios", "android", "web"]


def random_session(rng, events, user, session, start):
    """One app session: browsing, maybe a cart and a purchase; mobile SDKs stamp milliseconds."""
    platform = rng.choices(PLATFORMS, weights=[4, 3, 3])[0]
    offline = platform != "web" and rng.random() < 0.15
    late_by = timedelta(minutes=rng.randint(20, 120)) if offline else None
    t = start
    for step in range(rng.randint(2, 9)):
        t += timedelta(seconds=rng.randint(5, 240))
        if platform != "web":
            t += timedelta(milliseconds=rng.randint(1, 999))
        kind = rng.choices(["page_view", "search", "add_to_cart", "purchase"], weights=[6, 2, 2, 1])[0]
        product = None if kind == "search" else rng.choice(PRODUCTS)
        revenue = round(rng.uniform(5, 200), 2) if kind == "purchase" else None
        shown_platform = None if rng.random() < 0.05 else platform
        arrives = t + late_by if late_by else t + timedelta(seconds=rng.randint(0, 3))
        events.add(user, kind, product, revenue, session, shown_platform, t, arrives)


def random_users(rng, events):
    session_number = 100
    for n in range(6, 21):
        user = f"u_{n:03d}"
        # u_007 signs up at 10:00 (see the profile), so its activity starts after that.
        first_start = 10 * 60 if user == "u_007" else 8 * 60
        for _ in range(rng.randint(2, 4)):
            start = at(0, rng.randint(first_start, 19 * 60))
            random_session(rng, events, user, f"s_{session_number:04d}", start)
            session_number += 1
        if rng.random() < 0.3:
            # A server-side e-mail click: microsecond timestamp, no session, no platform.
            t = at(0, rng.randint(8 * 60, 20 * 60), rng.randint(0, 59_999_999) / 1_000_000)
            events.add(user, "email_click", rng.choice(PRODUCTS), None, None, None, t)


def profiles(rng):
    rows = [
        ("u_001", "US", 812, at(9, 14, 2, day=datetime(2023, 11, 2, tzinfo=timezone.utc))),
        ("u_002", "DE", 410, datetime(2024, 1, 10, 9, 0, tzinfo=timezone.utc)),
        ("u_002", "FR", 475, at(13, 0, 0)),  # moved: FR from exactly 13:00:00 on
        ("u_003", None, 97, datetime(2024, 2, 20, 17, 45, 31, tzinfo=timezone.utc)),
        ("u_004", "BR", 1203, datetime(2023, 6, 1, 8, 0, tzinfo=timezone.utc)),
        ("u_005", "IN", 33, datetime(2024, 3, 1, 6, 30, tzinfo=timezone.utc)),
        # u_006: 471 days old on 2024-03-15, past the 400d ttl.
        ("u_006", "GB", 2210, datetime(2022, 11, 30, 12, 0, tzinfo=timezone.utc)),
        ("u_007", "US", 0, at(10, 0, 0)),  # signs up at 10:00:00
        ("u_012", "CA", 150, datetime(2023, 8, 1, 0, 0, tzinfo=timezone.utc)),
        ("u_012", "MX", 377, at(22, 0, 0)),  # takes effect after every label
        ("u_021", "JP", 64, datetime(2024, 1, 11, 3, 0, tzinfo=timezone.utc)),
    ]
    countries = ["US", "DE", "FR", "GB", "BR", "IN", "ES", None]
    for n in list(range(8, 12)) + list(range(13, 21)):
        updated = DAY - timedelta(days=rng.randint(1, 380), seconds=rng.randint(0, 86_399))
        rows.append((f"u_{n:03d}", rng.choice(countries), rng.randint(1, 1500), updated))
    rng.shuffle(rows)
    return rows


def labels(rng, events):
    """Label rows: (user_id, observation_ts, churned). Not sorted: the output keeps this order."""
    scenario = [
        ("u_001", at(14, 0, 0)), ("u_001", at(14, 14, 59)), ("u_001", at(14, 15, 0)), ("u_001", at(15, 0, 0)),
        ("u_002", at(12, 45, 0)), ("u_002", at(13, 0, 0)),
        ("u_003", at(10, 30, 0)),
        ("u_004", at(12, 0, 0)),
        ("u_005", at(9, 0, 0)), ("u_005", at(16, 30, 0)),
        ("u_006", at(12, 0, 0)),
        ("u_007", at(9, 30, 0)), ("u_007", at(10, 0, 0)),
        ("u_021", at(12, 0, 0)),
        ("u_099", at(12, 0, 0)), ("u_099", at(18, 45, 0)),
    ]
    rows = list(scenario)
    for n in range(8, 21):
        for _ in range(2):
            on_quarter = rng.random() < 0.3
            seconds = 0 if on_quarter else rng.randint(0, 899)
            rows.append((f"u_{n:03d}", at(8, 15 * rng.randint(0, 47), seconds)))
    active = {row[0] for _, _, row in events.rows}
    buyers = {row[0] for _, _, row in events.rows if row[1] == "purchase"}
    churned = {}
    for user in sorted({user for user, _ in rows}):
        p_churn = 0.15 if user in buyers else 0.5 if user in active else 0.9
        churned[user] = int(rng.random() < p_churn)
    rng.shuffle(rows)
    return [(user, t, churned[user]) for user, t in rows]


def main():
    rng = random.Random(SEED)
    events = Events()
    scenario_events(events)
    random_users(rng, events)
    write_csv(DATA / "events.csv", EVENT_COLUMNS, events.in_arrival_order())
    profile_columns = ["user_id", "country", "account_age_days", "updated_at"]
    write_csv(DATA / "user_profile.csv", profile_columns, profiles(rng))
    write_csv(EXAMPLE / "labels.csv", ["user_id", "observation_ts", "churned"], labels(rng, events))


if __name__ == "__main__":
    main()
