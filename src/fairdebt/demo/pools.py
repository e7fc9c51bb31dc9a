"""Word pools for synthetic borrowers and lenders, built once per run and sampled with numpy.

Faker (zh_CN) supplies surnames with their real frequencies, given names, street names and
romanised user names; calling it per row would take hours at 10 million rows, so it is asked a
few thousand times here and the generator draws indexes into these pools. Lender names are
invented on purpose: synthetic arrears must not be pinned on real institutions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

LENDERS: dict[str, tuple[str, ...]] = {
    "licensed_bank": (
        "恒信银行", "泰和商业银行", "嘉禾银行", "东川银行", "华容商业银行", "北辰银行",
    ),
    "consumer_finance": (
        "安泰消费金融", "永信消费金融", "合众消费金融", "鼎盛消费金融", "明德消费金融",
    ),
    "microloan": (
        "易贷网络小额贷款", "快信网络小贷", "云启小额贷款", "及时雨网络小贷", "星火小额贷款",
        "青禾网络小贷",
    ),
    "private": (
        "鑫源投资咨询有限公司", "汇通信息咨询有限公司", "金盛商务服务部", "个人出借人",
    ),
}  # fmt: skip
"""Fictional lenders by lender type (the words of docs/import.md)."""

EMAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com")

MOBILE_PREFIXES: tuple[tuple[int, float], ...] = (
    (130, 2), (131, 2), (132, 2), (133, 2), (134, 3), (135, 4), (136, 4), (137, 4), (138, 5),
    (139, 5), (150, 3), (151, 3), (152, 3), (153, 2), (155, 2), (156, 2), (157, 2), (158, 3),
    (159, 3), (166, 1), (173, 1), (175, 1), (176, 2), (177, 2), (178, 1), (180, 2), (181, 2),
    (182, 3), (183, 2), (184, 1), (185, 2), (186, 3), (187, 3), (188, 3), (189, 3), (191, 1),
    (198, 1), (199, 1),
)  # fmt: skip
"""Mobile number prefixes of China Mobile, Unicom and Telecom, weighted roughly by use."""


@dataclass(frozen=True, slots=True)
class Pools:
    surnames: pa.Array
    surname_weights: np.ndarray
    given_male: pa.Array
    given_female: pa.Array
    streets: pa.Array
    user_names: pa.Array
    email_domains: pa.Array
    lenders: dict[str, pa.Array]


def build_pools(seed: int) -> Pools:
    """Ask Faker (seeded) for a few thousand words; everything else samples from these."""
    from faker import Faker
    from faker.providers.person.zh_CN import Provider as Person

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rng = np.random.default_rng([seed, 0x9001])
    surnames = list(Person.last_names)
    weights = np.array([Person.last_names[s] for s in surnames], dtype=np.float64)
    return Pools(
        surnames=pa.array(surnames),
        surname_weights=weights / weights.sum(),
        given_male=pa.array(_given_names(tuple(Person.first_names_male), rng)),
        given_female=pa.array(_given_names(tuple(Person.first_names_female), rng)),
        streets=pa.array(sorted({fake.street_name() for _ in range(4000)})),
        user_names=pa.array(sorted({fake.user_name() for _ in range(6000)})),
        email_domains=pa.array(EMAIL_DOMAINS),
        lenders={kind: pa.array(names) for kind, names in LENDERS.items()},
    )


def _given_names(names: tuple[str, ...], rng: np.random.Generator) -> list[str]:
    """Faker's names plus two-character names made of its single characters.

    Most people born after 1980 have two-character given names; Faker lists few of them.
    """
    single = [n for n in names if len(n) == 1]
    pairs = {single[a] + single[b] for a, b in rng.integers(0, len(single), (3000, 2)) if a != b}
    return sorted(set(names) | pairs)
