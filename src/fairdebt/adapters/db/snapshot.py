"""The delinquency snapshot in SQL: DPD, overdue and outstanding per account, then per case.

Allocation is oldest instalment first, so instalment i is settled exactly when the total paid
by `as_of` covers the schedule's running total through i. That makes DPD and the overdue amount
a window-function query — the same definition as fairdebt.domain.delinquency, tested against it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, bindparam, text
from sqlalchemy.engine import Connection

from fairdebt.domain.delinquency import BUCKETS


def _days(conn: Connection, later: str, earlier: str) -> str:
    if conn.dialect.name == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"(CAST({later} AS DATE) - {earlier})"


def bucket_sql(column: str) -> str:
    arms = " ".join(
        f"WHEN {column} <= {high} THEN '{name}'" for name, _low, high in BUCKETS if high is not None
    )
    return f"CASE {arms} ELSE '{BUCKETS[-1][0]}' END"


def account_status_select(days: str, as_of: str) -> str:
    """SELECT of account_status rows; `days` turns (as_of, oldest_unpaid) into a day count."""
    return f"""
    SELECT id AS account_id, {as_of} AS as_of, CAST(dpd AS INTEGER) AS dpd,
           {bucket_sql("dpd")} AS bucket, CAST(overdue AS BIGINT) AS overdue_cents,
           CAST(outstanding AS BIGINT) AS outstanding_cents, CAST(paid AS BIGINT) AS paid_cents
    FROM (
      SELECT a.id,
        COALESCE({days}, 0) AS dpd,
        CASE WHEN COALESCE(due_to_date, 0) > COALESCE(p.paid, 0)
             THEN COALESCE(due_to_date, 0) - COALESCE(p.paid, 0) ELSE 0 END AS overdue,
        CASE WHEN COALESCE(total_due, 0) > COALESCE(p.paid, 0)
             THEN COALESCE(total_due, 0) - COALESCE(p.paid, 0) ELSE 0 END AS outstanding,
        COALESCE(p.paid, 0) AS paid
      FROM accounts a
      LEFT JOIN (
        SELECT account_id, SUM(amount_cents) AS paid FROM payments
        WHERE paid_on <= {as_of} GROUP BY account_id
      ) p ON p.account_id = a.id
      LEFT JOIN (
        SELECT s.account_id,
          MIN(CASE WHEN s.due_on < {as_of} AND s.cum > COALESCE(q.paid, 0)
                   THEN s.due_on END) AS oldest_unpaid,
          SUM(CASE WHEN s.due_on < {as_of} THEN s.due ELSE 0 END) AS due_to_date,
          SUM(s.due) AS total_due
        FROM (
          SELECT account_id, due_on, principal_cents + interest_cents + fee_cents AS due,
            SUM(principal_cents + interest_cents + fee_cents) OVER (
              PARTITION BY account_id ORDER BY due_on, seq ROWS UNBOUNDED PRECEDING) AS cum
          FROM instalments
        ) s
        LEFT JOIN (
          SELECT account_id, SUM(amount_cents) AS paid FROM payments
          WHERE paid_on <= {as_of} GROUP BY account_id
        ) q ON q.account_id = s.account_id
        GROUP BY s.account_id
      ) d ON d.account_id = a.id
    ) x
    """


def refresh_snapshot(conn: Connection, as_of: date) -> int:
    """Recompute account_status for every account and the case summaries; return accounts."""
    columns = "account_id, as_of, dpd, bucket, overdue_cents, outstanding_cents, paid_cents"
    select_sql = account_status_select(_days(conn, ":as_of", "oldest_unpaid"), ":as_of")
    as_of_param = bindparam("as_of", value=as_of, type_=Date)
    conn.execute(text("DELETE FROM account_status"))
    conn.execute(
        text(f"INSERT INTO account_status ({columns}) {select_sql}").bindparams(as_of_param)
    )
    count: int = conn.execute(text("SELECT COUNT(*) FROM account_status")).scalar_one()
    conn.execute(text(_CASES_SQL).bindparams(as_of_param))
    conn.execute(text(f"UPDATE cases SET bucket = {bucket_sql('dpd')}"))
    return count


_CASES_SQL = """
UPDATE cases SET
  status_as_of = :as_of,
  dpd = COALESCE((SELECT MAX(s.dpd) FROM account_status s JOIN accounts a ON a.id = s.account_id
                  WHERE a.borrower_id = cases.borrower_id), 0),
  overdue_cents = COALESCE((SELECT SUM(s.overdue_cents) FROM account_status s
                  JOIN accounts a ON a.id = s.account_id
                  WHERE a.borrower_id = cases.borrower_id), 0),
  outstanding_cents = COALESCE((SELECT SUM(s.outstanding_cents) FROM account_status s
                  JOIN accounts a ON a.id = s.account_id
                  WHERE a.borrower_id = cases.borrower_id), 0)
"""
