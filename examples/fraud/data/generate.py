#!/usr/bin/env python3
"""Writes the fraud example's data: data/payments.csv, data/merchant_risk.csv, labels.csv,
data/transfers.csv and transfer_labels.csv.

Deterministic: standard library only, a fixed seed, no clock. Rerunning it rewrites the same
bytes, so the committed CSVs are exactly its output.

    python3 examples/fraud/data/generate.py

The scenario is Friday 2024-03-15 at a card acquirer, with two weeks of earlier payments.
Cards c_0001..c_0009 are hand-written scenarios whose values the README works out (a
card-testing attack, the 30s settle, rolling-window tails, ties and nulls, a new card,
merchant scores that change or arrive late); c_0010..c_0040 are random cardholders; c_0099
appears only in the labels.

Transfers between accounts (a_01..a_12) feed the views that read one source for an account in
two roles, sender and receiver. a_07 is a money mule: on the 15th it takes in small amounts
from many accounts and sends one large transfer on.
"""

import csv
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

DATA = Path(__file__).resolve().parent
EXAMPLE = DATA.parent
SEED = 20240315
UTC = timezone.utc


def day(month, dom, hh=0, mm=0, ss=0.0):
    """A time in 2024; `ss` may carry a fraction of a second."""
    midnight = datetime(2024, month, dom, tzinfo=UTC)
    return midnight + timedelta(hours=hh, minutes=mm, microseconds=round(ss * 1_000_000))


def today(hh, mm=0, ss=0.0):
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
    if isinstance(value, bool):
        return "true" if value else "false"
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


# merchant_id -> (category, country, currency)
MERCHANTS = {
    "m_001": ("grocery", "DE", "EUR"),
    "m_002": ("bakery", "DE", "EUR"),
    "m_003": ("fuel", "DE", "EUR"),
    "m_004": ("pharmacy", "NL", "EUR"),
    "m_005": ("fashion", "ES", "EUR"),
    "m_006": ("restaurant", "ES", "EUR"),
    "m_007": ("electronics", "NL", "EUR"),
    "m_008": ("books", "FR", "EUR"),
    "m_009": ("travel", "GB", "GBP"),
    "m_010": ("grocery", "BE", "EUR"),
    "m_011": ("streaming", "IE", "EUR"),
    "m_012": ("jewelry", "FR", "EUR"),
    "m_013": ("gaming", "CY", "USD"),
    "m_014": ("ticketing", "US", "USD"),
    "m_015": ("parking", "DE", "EUR"),
}


class Payments:
    """Payments with the time each reached the log; ids follow event time, the file arrival."""

    def __init__(self):
        self.rows = []  # [arrival, sequence, card, merchant, amount, declined, ts]

    def pay(self, card, merchant, amount, ts, declined=False, arrives=None):
        arrival = ts if arrives is None else arrives
        self.rows.append((arrival, len(self.rows), card, merchant, amount, declined, ts))

    def numbered(self):
        """payment_id by event time (ties by insertion), then the rows in arrival order."""
        by_time = sorted(self.rows, key=lambda r: (r[6], r[1]))
        ids = {r[1]: f"pay_{n:05d}" for n, r in enumerate(by_time, start=1)}
        out = []
        for arrival, seq, card, merchant, amount, declined, ts in sorted(self.rows):
            _, country, currency = MERCHANTS[merchant]
            out.append((ids[seq], card, merchant, amount, currency, country, declined, ts))
        return out, ids


def scenario_payments(log, labelled):
    """Hand-written cards; `labelled` collects (sequence, is_fraud) of the payments to score."""

    def pay(card, merchant, amount, ts, declined=False, arrives=None, label=None):
        log.pay(card, merchant, amount, ts, declined, arrives)
        if label is not None:
            labelled.append((len(log.rows) - 1, label))

    # c_0001: a stolen card. Normal use, then a card-testing burst at a gaming top-up site
    # (eight small payments 8 s apart, two declined, the last one still pending), then a big one.
    pay("c_0001", "m_001", 54.20, day(3, 10, 12, 14, 3))
    pay("c_0001", "m_003", 71.05, day(3, 13, 18, 40, 51))
    pay("c_0001", "m_002", 4.80, today(8, 12, 30.250))
    burst = [
        (1.00, False), (1.00, True), (1.50, False), (1.00, True),
        (2.00, False), (1.00, False), (1.00, False), (1.99, None),
    ]
    for k, (amount, declined) in enumerate(burst):
        pay("c_0001", "m_013", amount, today(14, 0, 8 * k), declined, label=1)
    pay("c_0001", "m_007", 899.00, today(14, 1, 30.125), label=1)

    # c_0006: a second tested card at the same site twenty minutes earlier.
    pay("c_0006", "m_013", 1.00, today(13, 41, 10), True)
    pay("c_0006", "m_013", 1.00, today(13, 41, 19), True, label=1)

    # c_0002: the 30 s settle. Scored at 10:00:30, the card's features are as of 10:00:00:
    # the payment of exactly 10:00:00 is not in yet, the one of 09:59:30 is.
    pay("c_0002", "m_001", 23.40, today(9, 59, 30))
    pay("c_0002", "m_002", 5.10, today(10, 0, 0), label=0)
    pay("c_0002", "m_004", 61.00, today(10, 0, 30), label=0)

    # c_0003: rolling tails for the payment scored at 12:30:30 (features as of 12:30:00):
    # 24h tail floor(12:30, 1h) - 24h = 03-14 12:00:00; 1h tail 11:30:00; 10m tail 12:20:00.
    # The 24h amounts are 10, 20, 30, 40, 50: mean 30, population stddev sqrt(200).
    pay("c_0003", "m_005", 12.00, day(3, 5, 19, 2, 44))
    pay("c_0003", "m_009", 500.00, day(3, 14, 11, 59, 59.999))
    pay("c_0003", "m_006", 10.00, day(3, 14, 12, 0, 0))
    pay("c_0003", "m_005", 20.00, today(11, 29, 59))
    pay("c_0003", "m_006", 30.00, today(11, 30, 0))
    pay("c_0003", "m_005", 40.00, today(12, 19, 59.5))
    pay("c_0003", "m_008", 50.00, today(12, 20, 0))
    pay("c_0003", "m_006", 60.00, today(12, 30, 10))  # inside the settle gap: not yet visible
    pay("c_0003", "m_005", 70.00, today(12, 30, 30), label=0)

    # c_0004: ties and nulls. The first two payments share an instant (first(country) takes the
    # smaller value, BE); so do two later ones (last(country) takes the larger, FR); one of
    # those is still pending (is_declined null) and does not count as a decline.
    pay("c_0004", "m_004", 3.20, day(3, 1, 8, 0, 0))
    pay("c_0004", "m_010", 15.00, day(3, 1, 8, 0, 0))
    pay("c_0004", "m_004", 12.00, today(16, 44, 0), True)
    pay("c_0004", "m_008", 9.99, today(16, 45, 12.345))
    pay("c_0004", "m_003", 45.00, today(16, 45, 12.345), None)
    pay("c_0004", "m_004", 12.00, today(16, 50, 0), label=0)

    # c_0005: a new card. Scored at 17:00:20, its features are as of 16:59:50, before its first
    # payment: every window is empty.
    pay("c_0005", "m_002", 3.60, today(17, 0, 0.5), label=0)
    pay("c_0005", "m_001", 27.45, today(17, 0, 20), label=0)

    # c_0008: a ticket shop whose new score (effective 12:00) is only written at 14:30.
    pay("c_0008", "m_014", 180.00, today(13, 15, 0), label=0)
    pay("c_0008", "m_014", 95.00, today(15, 10, 0), label=0)

    # c_0009: merchants with a corrected score (m_007), a stale score (m_012), no score (m_015).
    pay("c_0009", "m_007", 249.00, today(11, 5, 0), label=0)
    pay("c_0009", "m_012", 1250.00, today(11, 40, 0), label=0)
    pay("c_0009", "m_015", 4.50, today(18, 2, 0), label=0, arrives=today(18, 47, 41))


HOME_MERCHANTS = {
    "DE": ["m_001", "m_002", "m_003", "m_015"],
    "NL": ["m_004", "m_007"],
    "ES": ["m_005", "m_006"],
    "FR": ["m_008", "m_012"],
}
ONLINE_MERCHANTS = ["m_011", "m_014", "m_009"]
TYPICAL_AMOUNT = {
    "grocery": (8, 120), "bakery": (2, 15), "fuel": (30, 95), "pharmacy": (4, 60),
    "fashion": (20, 250), "restaurant": (12, 140), "electronics": (15, 900), "books": (8, 45),
    "travel": (60, 700), "streaming": (9, 18), "jewelry": (80, 1500), "parking": (2, 12),
    "ticketing": (25, 220), "gaming": (1, 50),
}


def random_cardholders(rng, log, candidates):
    for n in range(10, 41):
        card = f"c_{n:04d}"
        home = rng.choice(sorted(HOME_MERCHANTS))
        favourites = HOME_MERCHANTS[home] + [rng.choice(ONLINE_MERCHANTS)]
        history = [
            day(3, 1) + timedelta(seconds=rng.randint(0, 14 * 86_400 - 1))
            for _ in range(rng.randint(0, 4))
        ]
        today_times = [
            today(6) + timedelta(seconds=rng.randint(0, 16 * 3600), milliseconds=rng.randint(0, 999))
            for _ in range(rng.randint(1, 6))
        ]
        for ts in sorted(history) + sorted(today_times):
            merchant = rng.choice(favourites)
            low, high = TYPICAL_AMOUNT[MERCHANTS[merchant][0]]
            amount = round(rng.uniform(low, high), 2)
            roll = rng.random()
            declined = True if roll < 0.04 else None if roll < 0.07 else False
            # Some terminals are offline for a while and upload their payments up to 90 minutes late.
            arrives = ts + timedelta(seconds=rng.randint(300, 5400)) if rng.random() < 0.1 else None
            log.pay(card, merchant, amount, ts, declined, arrives)
            if ts >= today(0):
                candidates.append(len(log.rows) - 1)


def merchant_risk():
    rows = []
    for merchant, score, effective in [
        ("m_001", 0.05, day(2, 20)), ("m_001", 0.06, day(3, 12)), ("m_002", 0.03, day(3, 12)),
        ("m_003", 0.12, day(3, 12)), ("m_004", 0.08, day(3, 12)), ("m_005", 0.22, day(3, 12)),
        ("m_006", 0.10, day(3, 12)), ("m_007", 0.35, day(3, 1)), ("m_007", 0.40, day(3, 8)),
        ("m_008", 0.05, day(3, 12)), ("m_009", 0.45, day(3, 12)), ("m_010", 0.05, day(3, 12)),
        ("m_011", 0.30, day(3, 12)), ("m_012", 0.55, day(2, 1)), ("m_013", 0.81, day(3, 10)),
        ("m_014", 0.25, day(3, 8)),
    ]:
        # The weekly scoring job writes its rows at 06:00 on the day they take effect.
        rows.append((merchant, MERCHANTS[merchant][0], score, effective, effective + timedelta(hours=6)))
    # m_007: a correction back-filled on 2024-03-20, after every label: it must never be seen.
    rows.append(("m_007", "electronics", 0.92, day(3, 8), day(3, 20, 10, 0, 0)))
    # m_014: a re-score effective from 12:00 today that the job only wrote at 14:30.
    rows.append(("m_014", "ticketing", 0.74, today(12, 0, 0), today(14, 30, 0)))
    return rows


TRANSFER_SEED = 20240316


def transfers():
    """(transfer rows, label rows): background traffic over two days, then the mule's day."""
    rng = random.Random(TRANSFER_SEED)
    accounts = [f"a_{n:02d}" for n in range(1, 13)]
    rows = []
    for n in range(40):
        sender, receiver = rng.sample([a for a in accounts if a != "a_07"], 2)
        ts = day(3, 14) + timedelta(minutes=rng.randrange(0, 2 * 24 * 60 - 300))
        rows.append([sender, receiver, round(rng.uniform(5, 200), 2), ts])
    # the mule: eight small transfers in, within two hours, then one large transfer out
    for n, sender in enumerate(["a_01", "a_02", "a_03", "a_04", "a_05", "a_06", "a_08", "a_09"]):
        rows.append([sender, "a_07", round(rng.uniform(40, 60), 2), today(18, 5 + 13 * n)])
    rows.append(["a_07", "a_12", 420.00, today(20, 10)])
    rows.sort(key=lambda r: r[3])
    numbered = [[f"tr_{i:04d}"] + r for i, r in enumerate(rows, start=1)]
    labels = []
    for transfer_id, sender, receiver, amount, ts in numbered:
        if ts >= today(12):
            labels.append((transfer_id, sender, receiver, amount, ts, int(sender == "a_07")))
    return numbered, labels


def main():
    rows, labels = transfers()
    write_csv(DATA / "transfers.csv", ["transfer_id", "sender_id", "receiver_id", "amount", "event_ts"], rows)
    write_csv(
        EXAMPLE / "transfer_labels.csv",
        ["transfer_id", "sender_id", "receiver_id", "amount", "observation_ts", "is_fraud"],
        labels,
    )

    rng = random.Random(SEED)
    log = Payments()
    labelled = []
    scenario_payments(log, labelled)
    candidates = []
    random_cardholders(rng, log, candidates)
    labelled += [(seq, 0) for seq in rng.sample(candidates, 22)]

    rows, ids = log.numbered()
    payment_columns = [
        "payment_id", "card_id", "merchant_id", "amount", "currency", "country", "is_declined", "event_ts",
    ]
    write_csv(DATA / "payments.csv", payment_columns, rows)

    risk = merchant_risk()
    rng.shuffle(risk)
    risk_columns = ["merchant_id", "category", "risk_score", "effective_at", "scored_at"]
    write_csv(DATA / "merchant_risk.csv", risk_columns, risk)

    labels = []
    for seq, is_fraud in labelled:
        _, _, card, merchant, amount, _, ts = log.rows[seq]
        # the amount the gateway sends with the scoring request (the service's `request amount`)
        labels.append((ids[seq], card, merchant, amount, ts, is_fraud))
    # Scored online, but the gateway lost the payment: a card and a merchant with no data.
    labels.append(("pay_lost_0001", "c_0099", "m_099", "42.00", today(19, 30, 0), 0))
    rng.shuffle(labels)
    label_columns = ["payment_id", "card_id", "merchant_id", "amount", "observation_ts", "is_fraud"]
    write_csv(EXAMPLE / "labels.csv", label_columns, labels)


if __name__ == "__main__":
    main()
