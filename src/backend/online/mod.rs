//! Online back end: plan → Postgres DDL, merge-upserts, lookups. (Being written.)
