#!/usr/bin/env python3
"""Writes the recommender example's data: data/interactions.csv, data/transactions.csv,
data/user_profile.csv, data/item_catalog.csv and labels.csv.

Deterministic: standard library only, a fixed seed, no clock. Rerunning it rewrites the same
bytes, so the committed CSVs are exactly its output.

    python3 examples/recommender/data/generate.py

The scenario is the evening of Friday 2024-03-15 (18:00-21:00 UTC) in an online store, with
seven weeks of earlier purchases behind it. Users u_001..u_005 are hand-written scenarios whose
values the README works out (minute and week boundaries, ties, a burst longer than last_n,
rolling-window tails, a label before the first event); u_006..u_030 are random shoppers; u_050
has a profile and nothing else; u_099 appears only in the labels. Item i_140 is listed at 18:00
and never touched; i_141 is not in the catalog at all; i_105 goes on sale at 19:00:00.
"""

import csv
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

DATA = Path(__file__).resolve().parent
EXAMPLE = DATA.parent
SEED = 20240315
UTC = timezone.utc
EVENING = datetime(2024, 3, 15, tzinfo=UTC)


def day(month, dom, hh=0, mm=0, ss=0.0):
    """A time in March (or February) 2024; `ss` may carry a fraction of a second."""
    midnight = datetime(2024, month, dom, tzinfo=UTC)
    return midnight + timedelta(hours=hh, minutes=mm, microseconds=round(ss * 1_000_000))


def evening(hh, mm=0, ss=0.0):
    return day(3, 15, hh, mm, ss)


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


# ---------------------------------------------------------------------------------------------
# The catalog

CATEGORIES = ["shoes", "outerwear", "electronics", "home", "beauty", "books"]
BRANDS = {
    "shoes": ["Stride", "Kilo", None],
    "outerwear": ["Northway", "Fjell"],
    "electronics": ["Voltix", "Aurum", None],
    "home": ["Casa", None],
    "beauty": ["Lumen", "Petal"],
    "books": [None],
}
# Items the hand-written scenarios use, with fixed prices so that the README can quote them.
FIXED_PRICES = {"i_101": 24.99, "i_103": 59.00, "i_105": 129.00, "i_129": 45.00}
SALE_ITEM, SALE_PRICE, SALE_START = "i_105", 99.00, evening(19, 0, 0)
NEW_ITEM, NEW_ITEM_LISTED = "i_140", evening(18, 0, 0)


class Catalog:
    def __init__(self, rng):
        self.rows = []  # (item_id, category, brand, list_price, updated_at)
        for n in range(100, 140):
            item = f"i_{n}"
            category = CATEGORIES[n % len(CATEGORIES)]
            price = FIXED_PRICES.get(item, round(rng.uniform(5, 300), 2))
            since_2023 = timedelta(days=rng.randint(0, 380), seconds=rng.randint(0, 86_399))
            listed = datetime(2023, 1, 1, tzinfo=UTC) + since_2023
            self.rows.append((item, category, rng.choice(BRANDS[category]), price, listed))
        self.rows.append((SALE_ITEM, CATEGORIES[105 % 6], self.row(SALE_ITEM)[2], SALE_PRICE, SALE_START))
        self.rows.append((NEW_ITEM, "home", "Casa", 74.50, NEW_ITEM_LISTED))
        self.items = [f"i_{n}" for n in range(100, 140)]

    def row(self, item):
        return next(r for r in self.rows if r[0] == item)

    def price_at(self, item, t):
        in_force = [r for r in self.rows if r[0] == item and r[4] <= t]
        return max(in_force, key=lambda r: r[4])[3] if in_force else None


# ---------------------------------------------------------------------------------------------
# Interactions and transactions


class Log:
    """Rows with the time each reached the log; files are written in arrival order."""

    def __init__(self):
        self.rows = []

    def add(self, row, ts, arrives=None):
        self.rows.append((ts if arrives is None else arrives, len(self.rows), row))

    def in_arrival_order(self):
        return [row for _, _, row in sorted(self.rows)]


class Store:
    def __init__(self):
        self.interactions = Log()
        self.transactions = Log()

    def act(self, user, item, action, price, session, ts, arrives=None):
        self.interactions.add((user, item, action, price, session, ts), ts, arrives)
        if action == "purchase":
            # The order service captures the payment at checkout, stamped with the same time.
            self.transactions.add((user, item, price, ts), ts, arrives)


def scenario_events(store):
    # u_001: the minute 18:30 for session_state = tumbling(1m). A view exactly on 18:30:00 and a
    # purchase exactly on 18:31:00; two views at the same instant (the tie puts i_117 first).
    s = "s_u001_1"
    store.act("u_001", "i_101", "view", 24.99, s, evening(18, 29, 58.250))
    store.act("u_001", "i_103", "view", 59.00, s, evening(18, 30, 0))
    store.act("u_001", "i_103", "click", 59.00, s, evening(18, 30, 12.100))
    store.act("u_001", "i_105", "view", 129.00, s, evening(18, 30, 41.500))
    store.act("u_001", "i_117", "view", None, s, evening(18, 30, 41.500))  # carousel: no price
    store.act("u_001", "i_103", "add_to_cart", 59.00, s, evening(18, 30, 59.999))
    store.act("u_001", "i_103", "purchase", 59.00, s, evening(18, 31, 0))

    # u_002: thirteen different items scrolled past in one minute; last_n keeps the newest ten.
    for k in range(13):
        store.act("u_002", f"i_{110 + k}", "view", None, "s_u002_1", evening(18, 42, 0.5 + 4 * k))

    # u_003: payments around the epoch-aligned week boundaries (weeks start on Thursdays:
    # 2024-03-07 and 2024-03-14) and the daily boundaries of sliding(7d, 1d). The payment of
    # 2024-03-07 was stuck in a retry queue and reached the log a day late.
    for item, price, ts, arrives in [
        ("i_130", 15.00, day(3, 6, 23, 59, 59), None),
        ("i_131", 120.50, day(3, 7), day(3, 8, 6, 15)),
        ("i_132", 34.99, day(3, 8), None),
        ("i_133", 8.25, day(3, 13, 23, 59, 59.999999), None),
        ("i_134", 42.00, day(3, 14), None),
        ("i_120", 19.99, evening(19, 5), None),
    ]:
        store.act("u_003", item, "purchase", price, f"s_u003_{ts:%m%d}", ts, arrives)

    # u_004: the tails of the rolling windows for a label at 19:20:00 on 2024-03-15.
    # rolling(7d) has a 1h hop: tail floor(T, 1h) - 7d = 2024-03-08T19:00:00.
    # rolling(30d) has a 1d hop: tail floor(T, 1d) - 30d = 2024-02-14T00:00:00.
    for item, price, ts in [
        ("i_125", 30.00, day(2, 13, 23, 59, 59)),
        ("i_126", 50.00, day(2, 14)),
        ("i_127", 70.00, day(3, 8, 18, 59, 59)),
        ("i_128", 90.00, day(3, 8, 19)),
    ]:
        store.act("u_004", item, "purchase", price, f"s_u004_{ts:%m%d%H}", ts)
    store.act("u_004", "i_129", "view", 45.00, "s_u004_1", evening(19, 19, 59.999))
    store.act("u_004", "i_105", "view", SALE_PRICE, "s_u004_1", evening(19, 20, 0))

    # u_005: a new shopper whose first interaction comes after their first label.
    store.act("u_005", "i_108", "view", None, "s_u005_1", evening(20, 10, 0))
    store.act("u_005", "i_108", "click", 97.15, "s_u005_1", evening(20, 10, 9.311))


def random_history(rng, store, catalog):
    """Earlier visits, 2024-01-20 to 2024-03-14: a few views and usually a purchase."""
    for n in range(6, 31):
        user = f"u_{n:03d}"
        for v in range(rng.randint(0, 3)):
            t = datetime(2024, 1, 20, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 54 * 86_400))
            session = f"s_{user[2:]}_h{v}"
            item = rng.choice(catalog.items)
            for _ in range(rng.randint(1, 2)):
                store.act(user, item, "view", catalog.price_at(item, t), session, t)
                t += timedelta(seconds=rng.randint(10, 300))
            if rng.random() < 0.8:
                store.act(user, item, "purchase", catalog.price_at(item, t), session, t)


def random_evening(rng, store, catalog, impressions):
    """Evening sessions: browse a few items, click some, maybe buy one; the SDK stamps ms."""
    for n in range(6, 31):
        user = f"u_{n:03d}"
        if rng.random() < 0.35:
            continue
        for v in range(rng.randint(1, 2)):
            session = f"s_{user[2:]}_e{v}"
            t = evening(18, rng.randint(0, 170), rng.randint(0, 59))
            late_by = timedelta(minutes=rng.randint(5, 40)) if rng.random() < 0.25 else None
            interests = rng.sample(catalog.items, rng.randint(2, 4))
            views = []
            for _ in range(rng.randint(3, 10)):
                t += timedelta(milliseconds=rng.randint(1_500, 90_000))
                item = rng.choice(interests)
                action = rng.choices(["view", "click", "add_to_cart"], weights=[6, 3, 1])[0]
                price = None if action == "view" and rng.random() < 0.2 else catalog.price_at(item, t)
                arrives = t + late_by if late_by else None
                store.act(user, item, action, price, session, t, arrives)
                if action == "view":
                    views.append((item, t))
            bought = None
            if rng.random() < 0.4:
                t += timedelta(milliseconds=rng.randint(5_000, 120_000))
                bought = rng.choice(interests)
                arrives = t + late_by if late_by else None
                store.act(user, bought, "purchase", catalog.price_at(bought, t), session, t, arrives)
            if views:
                # The model was asked about an item at the moment it was shown (the view itself
                # is not visible to the features: only events before T are).
                item, shown = rng.choice(views)
                impressions.append((user, item, shown, int(item == bought)))


def profiles(rng):
    rows = [
        ("u_001", "25-34", "DE", "organic", datetime(2023, 5, 2, 10, 11, 12, tzinfo=UTC)),
        ("u_002", "18-24", "US", "social", datetime(2024, 2, 28, 22, 0, tzinfo=UTC)),
        ("u_003", None, "FR", "referral", datetime(2023, 12, 24, 8, 30, tzinfo=UTC)),
        ("u_004", "45-54", None, "paid_search", datetime(2023, 9, 9, 9, 9, 9, tzinfo=UTC)),
        ("u_004", "55+", None, "paid_search", day(3, 15, 19, 0, 0)),  # a birthday: in force from 19:00:00
        ("u_005", "35-44", "ES", "paid_search", evening(20, 9, 30)),  # signs up just before browsing
        ("u_010", "25-34", "GB", "organic", datetime(2021, 6, 1, tzinfo=UTC)),  # older than the 730d ttl
        ("u_050", "18-24", "IT", "social", day(3, 10, 16, 45, 0)),  # a profile, never an interaction
    ]
    buckets = ["18-24", "25-34", "35-44", "45-54", "55+", None]
    countries = ["DE", "US", "FR", "GB", "ES", "IT", "NL", None]
    channels = ["organic", "paid_search", "referral", "social"]
    for n in range(6, 31):
        if n == 10:
            continue
        updated = datetime(2022, 6, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 640 * 86_400))
        rows.append((f"u_{n:03d}", rng.choice(buckets), rng.choice(countries), rng.choice(channels), updated))
    rng.shuffle(rows)
    return rows


def labels(rng, impressions):
    """(user_id, item_id, observation_ts, purchased); not sorted: the output keeps this order."""
    scenario = [
        ("u_001", "i_103", evening(18, 30, 0), 1),
        ("u_001", "i_105", evening(18, 31, 0), 0),
        ("u_001", "i_103", evening(18, 32, 0), 1),
        ("u_002", "i_120", evening(18, 43, 0), 0),
        ("u_003", "i_120", evening(19, 0, 0), 1),
        ("u_003", "i_105", day(3, 14), 0),
        ("u_003", "i_131", day(3, 10, 12), 1),
        ("u_004", "i_105", evening(19, 20, 0), 0),
        ("u_004", "i_105", evening(18, 59, 59), 0),
        ("u_005", "i_108", evening(19, 0, 0), 0),
        ("u_050", "i_140", evening(19, 10, 0), 0),
        ("u_099", "i_141", evening(19, 10, 0), 0),
        ("u_099", "i_101", evening(20, 45, 0), 0),
    ]
    rows = scenario + impressions
    rng.shuffle(rows)
    return rows


def main():
    rng = random.Random(SEED)
    catalog = Catalog(rng)
    store = Store()
    scenario_events(store)
    random_history(rng, store, catalog)
    impressions = []
    random_evening(rng, store, catalog, impressions)
    write_csv(
        DATA / "interactions.csv",
        ["user_id", "item_id", "action", "price", "session_id", "event_ts"],
        store.interactions.in_arrival_order(),
    )
    write_csv(
        DATA / "transactions.csv",
        ["user_id", "item_id", "amount", "event_ts"],
        store.transactions.in_arrival_order(),
    )
    catalog_rows = list(catalog.rows)
    rng.shuffle(catalog_rows)
    write_csv(
        DATA / "item_catalog.csv",
        ["item_id", "category", "brand", "list_price", "updated_at"],
        catalog_rows,
    )
    write_csv(
        DATA / "user_profile.csv",
        ["user_id", "age_bucket", "country", "signup_channel", "updated_at"],
        profiles(rng),
    )
    write_csv(
        EXAMPLE / "labels.csv",
        ["user_id", "item_id", "observation_ts", "purchased"],
        labels(rng, impressions),
    )


if __name__ == "__main__":
    main()
