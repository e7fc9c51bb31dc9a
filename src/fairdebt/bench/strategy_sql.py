"""The default strategy as ONE hand-written DuckDB query: the near-limit reference of the benchmark.

What someone who knows DuckDB well would write for exactly this strategy (the shipped
`default.yaml`, no previous plan): every rule spelled out as CASE expressions, borrowers not read
(no plan column needs them), money summed as exact decimals. The arm slots are the one input it
does not compute itself: they come from `fairdebt.strategy.arms.slot_table`, as in the engine,
because no SQL engine has the FNV-1a hash the arms are defined by.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

QUERY = """
WITH sched AS NOT MATERIALIZED (
    SELECT account_id, seq, due_on,
           CAST(principal * 100 AS BIGINT) + CAST(interest * 100 AS BIGINT)
               + COALESCE(CAST(fee * 100 AS BIGINT), 0) AS due_cents
    FROM read_parquet('{dir}/schedules.parquet')
),
pay AS (
    SELECT account_id, CAST(SUM(CAST(amount * 100 AS BIGINT)) AS BIGINT) AS paid_cents,
           COUNT(*) AS payments_count, MAX(paid_on) AS last_paid
    FROM read_parquet('{dir}/payments.parquet')
    WHERE paid_on <= DATE '{as_of}'
    GROUP BY account_id
),
dues AS (
    SELECT s.account_id, CAST(SUM(s.due_cents) AS BIGINT) AS total_cents,
           MAX(s.due_on) AS final_due,
           CAST(COALESCE(SUM(s.due_cents) FILTER (WHERE s.due_on < DATE '{as_of}'), 0) AS BIGINT)
               AS due_to_date,
           COALESCE(ANY_VALUE(p.paid_cents), 0) AS paid_cents,
           ANY_VALUE(p.payments_count) AS payments_count, ANY_VALUE(p.last_paid) AS last_paid
    FROM sched s LEFT JOIN pay p USING (account_id)
    GROUP BY s.account_id
),
late AS (
    SELECT account_id, MIN(due_on) FILTER (WHERE unpaid) AS oldest,
           COUNT(*) FILTER (WHERE unpaid) AS instalments_overdue
    FROM (
        SELECT s.account_id, s.due_on,
               SUM(s.due_cents) OVER (PARTITION BY s.account_id ORDER BY s.due_on, s.seq
                                      ROWS UNBOUNDED PRECEDING) > d.paid_cents
               AND s.due_cents > 0 AS unpaid
        FROM sched s JOIN dues d USING (account_id)
        WHERE s.due_on < DATE '{as_of}' AND d.due_to_date > d.paid_cents
    )
    GROUP BY account_id
),
snap AS (
    SELECT a.account_id, a.borrower_id, a.product,
           COALESCE(DATE '{as_of}' - l.oldest, 0) AS dpd,
           GREATEST(COALESCE(d.due_to_date, 0) - COALESCE(d.paid_cents, 0), 0) AS overdue_cents,
           GREATEST(COALESCE(d.total_cents, 0) - COALESCE(d.paid_cents, 0), 0)
               AS outstanding_cents,
           COALESCE(d.paid_cents, 0) AS paid_cents,
           COALESCE(d.payments_count, 0) AS payments_count,
           COALESCE(DATE '{as_of}' - d.last_paid, 99999) AS days_since_last_payment,
           CASE WHEN d.final_due IS NULL OR d.final_due >= DATE '{as_of}' THEN 'not_started'
                WHEN GREATEST(d.final_due, COALESCE(d.last_paid, DATE '1970-01-01'))
                     < DATE '{cutoff}' THEN 'expired'
                WHEN GREATEST(d.final_due, COALESCE(d.last_paid, DATE '1970-01-01'))
                     < DATE '{cutoff}' + 180 THEN 'expiring'
                ELSE 'in_time' END AS limitation,
           COALESCE(v.holds, '') AS holds,
           COALESCE(v.broken_promises, 0) AS broken_promises,
           0 AS complaints,
           COALESCE(sl.arm_slot, 0) AS arm_slot
    FROM read_parquet('{dir}/accounts.parquet') a
    LEFT JOIN dues d USING (account_id)
    LEFT JOIN late l USING (account_id)
    LEFT JOIN {activity} v USING (borrower_id)
    LEFT JOIN fd_slots sl USING (account_id)
),
scored AS (
    SELECT *,
        CASE WHEN dpd <= 0 THEN 'M0' WHEN dpd <= 30 THEN 'M1' WHEN dpd <= 60 THEN 'M2'
             WHEN dpd <= 90 THEN 'M3' WHEN dpd <= 120 THEN 'M4' WHEN dpd <= 150 THEN 'M5'
             WHEN dpd <= 180 THEN 'M6' ELSE 'M7+' END AS bucket,
        600
        + CASE WHEN dpd <= 7 THEN 60 WHEN dpd <= 30 THEN 30 WHEN dpd <= 90 THEN 0
               WHEN dpd <= 180 THEN -40 ELSE -80 END
        + CASE WHEN payments_count <= 0 THEN -30 WHEN payments_count <= 3 THEN 0 ELSE 30 END
        + CASE WHEN days_since_last_payment <= 30 THEN 40
               WHEN days_since_last_payment <= 90 THEN 10 ELSE -20 END
        + CASE WHEN broken_promises <= 0 THEN 0 WHEN broken_promises <= 2 THEN -20 ELSE -50 END
        + CASE WHEN overdue_cents <= 100000 THEN 20 WHEN overdue_cents <= 1000000 THEN 0
               ELSE -20 END
        + CASE product WHEN 'credit_card' THEN 10 WHEN 'micro_loan' THEN -10 ELSE 0 END
            AS score,
        CASE WHEN arm_slot < 9000 THEN 'champion' ELSE 'early_call' END AS arm
    FROM snap
),
segmented AS (
    SELECT *,
        CASE WHEN score <= 549 THEN 'low' WHEN score <= 649 THEN 'medium' ELSE 'high' END
            AS score_band,
        CASE
            WHEN holds <> '' THEN 'on_hold'
            WHEN bucket = 'M0' THEN 'current'
            WHEN limitation = 'expired' THEN 'time_barred'
            WHEN bucket = 'M1' AND dpd <= 7 THEN 'm1_early'
            WHEN bucket = 'M1' AND broken_promises >= 2 THEN 'm1_promise_breakers'
            WHEN bucket = 'M1' AND broken_promises <= 1 AND score > 649 THEN 'm1_high_score'
            WHEN bucket = 'M1' THEN 'm1'
            WHEN bucket = 'M2' THEN 'm2'
            WHEN bucket = 'M3' AND dpd >= 30 AND outstanding_cents >= 500000
                THEN 'm3_field_visit'
            WHEN bucket = 'M3' THEN 'm3'
            WHEN bucket IN ('M4', 'M5', 'M6') THEN 'm4_m6'
            WHEN bucket = 'M7+' AND outstanding_cents >= 2000000
                 AND limitation IN ('in_time', 'expiring') THEN 'm7_litigation'
            WHEN bucket = 'M7+' THEN 'm7'
            ELSE 'unsegmented' END AS segment
    FROM scored
),
treated AS (
    SELECT *,
        CASE WHEN arm = 'early_call' AND segment = 'm1_early' THEN 'calls'
             WHEN segment = 'on_hold' THEN 'hold'
             WHEN segment IN ('m1_early', 'm1_high_score') THEN 'reminder_sms'
             WHEN segment IN ('m1_promise_breakers', 'm1') THEN 'calls'
             WHEN segment IN ('m2', 'm3') THEN 'agency'
             WHEN segment = 'm3_field_visit' THEN 'field_visit'
             WHEN segment IN ('m4_m6', 'm7') THEN 'lawyers_letter'
             WHEN segment = 'm7_litigation' THEN 'litigation_review'
             WHEN segment = 'time_barred' THEN 'time_barred_notice'
             ELSE 'none' END AS treatment
    FROM segmented
)
SELECT account_id, borrower_id, dpd, bucket, CAST(NULL AS VARCHAR) AS prev_bucket,
       'new' AS roll, overdue_cents, outstanding_cents, paid_cents, 0 AS collected_cents,
       complaints, limitation, score, score_band, segment, arm_slot, arm, treatment,
       CASE treatment WHEN 'reminder_sms' THEN 7 WHEN 'calls' THEN 4 WHEN 'agency' THEN 4
           WHEN 'field_visit' THEN 3 WHEN 'lawyers_letter' THEN 3
           WHEN 'litigation_review' THEN 2 WHEN 'time_barred_notice' THEN 8 ELSE 9 END
           AS priority,
       CASE treatment WHEN 'reminder_sms' THEN 'sms,app_push' WHEN 'calls' THEN 'sms,call'
           WHEN 'agency' THEN 'agency_placement' WHEN 'field_visit' THEN 'call,field_visit'
           WHEN 'lawyers_letter' THEN 'lawyers_letter,call'
           WHEN 'litigation_review' THEN 'litigation_review'
           WHEN 'time_barred_notice' THEN 'letter' ELSE '' END AS channels,
       treatment IN ('agency', 'field_visit', 'lawyers_letter') AS agency_placement,
       treatment = 'field_visit' AS field_visit,
       treatment IN ('lawyers_letter', 'litigation_review') AS lawyers_letter,
       treatment = 'litigation_review' AS litigation_review
FROM treated
"""

NO_ACTIVITY = (
    "(SELECT NULL::VARCHAR AS borrower_id, NULL::VARCHAR AS holds,"
    " NULL::BIGINT AS broken_promises WHERE false)"
)


def query(folder: Path, as_of: date) -> str:
    from fairdebt.strategy.snapshot import LIMITATION_YEARS, years_before

    activity = folder / "activity.parquet"
    return QUERY.format(
        dir=folder.as_posix(),
        as_of=as_of.isoformat(),
        cutoff=years_before(as_of, LIMITATION_YEARS).isoformat(),
        activity=f"read_parquet('{activity.as_posix()}')" if activity.exists() else NO_ACTIVITY,
    )


def plan(folder: Path, as_of: date, con: Any, slots: pa.Table) -> pa.Table:
    """Run the query on a DuckDB connection; `slots` is arms.slot_table of the account ids."""
    con.register("fd_slots", slots)
    return con.sql(query(folder, as_of)).to_arrow_table()
