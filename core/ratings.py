"""The rating of authorities: an explainable score from five components, each a share in 0..1,
pulled towards the region's value in proportion to how few cases stand behind it (so that
three lucky cases do not beat three hundred good ones).

    component_a = (n_a · raw_a + M · region) / (n_a + M),   M = PRIOR_CASES
    score = 100 · Σ weight_k · component_k

Components: deadline (closed by the deadline / closed with a deadline), speed (1 − the median
share of the allowed working days used, capped at 1), satisfaction (Решено = 1, Частично = ½,
Не решено = 0, and each rating 1..5 as (r − 1)/4, averaged), reopening (1 − reopened / ever
closed), completeness (answered on the merits / (answered + «не в компетенции»))."""

from __future__ import annotations

from dataclasses import dataclass, replace

PRIOR_CASES = 10
WEIGHTS: dict[str, float] = {
    "deadline": 0.25,
    "speed": 0.20,
    "satisfaction": 0.25,
    "reopen": 0.15,
    "completeness": 0.15,
}


@dataclass(frozen=True, slots=True)
class RatingInput:
    """What the storage counts for one authority over a period."""

    authority: str
    total: int
    closed: int
    closed_with_deadline: int
    on_time: int
    time_used_median: float | None  # median of resolution_wd / allowed_wd over closed cases
    verdict_points: float  # Σ verdict scores
    verdicts: int
    rating_points: float  # Σ (rating − 1) / 4
    ratings: int
    reopened: int
    ever_closed: int
    answered: int
    not_competent: int

    def raw(self) -> dict[str, tuple[float | None, int]]:
        """Each component's own value and the number of cases behind it."""
        feedback = self.verdicts + self.ratings
        judged = self.answered + self.not_competent
        speed = None
        if self.time_used_median is not None:
            speed = 1.0 - min(1.0, max(0.0, self.time_used_median))
        return {
            "deadline": (
                self.on_time / self.closed_with_deadline if self.closed_with_deadline else None,
                self.closed_with_deadline,
            ),
            "speed": (speed, self.closed if speed is not None else 0),
            "satisfaction": (
                (self.verdict_points + self.rating_points) / feedback if feedback else None,
                feedback,
            ),
            "reopen": (
                1.0 - self.reopened / self.ever_closed if self.ever_closed else None,
                self.ever_closed,
            ),
            "completeness": (self.answered / judged if judged else None, judged),
        }


@dataclass(frozen=True, slots=True)
class Rating:
    authority: str
    total: int
    score: float
    components: dict[str, float]  # after shrinkage, 0..1
    raw: dict[str, float | None]  # the authority's own values
    support: dict[str, int]  # cases behind each component
    place: int = 0


def region_values(inputs: list[RatingInput]) -> dict[str, float]:
    """The region's value of each component: the same formula over all cases (0.5 when the
    region has no case behind a component yet)."""
    pooled: dict[str, tuple[float, int]] = dict.fromkeys(WEIGHTS, (0.0, 0))
    for item in inputs:
        for key, (value, n) in item.raw().items():
            if value is not None and n:
                total, count = pooled[key]
                pooled[key] = (total + value * n, count + n)
    return {k: (total / n if n else 0.5) for k, (total, n) in pooled.items()}


def rate(inputs: list[RatingInput], prior: int = PRIOR_CASES) -> list[Rating]:
    """Scores, best first, with places (equal scores share a place)."""
    region = region_values(inputs)
    ratings = []
    for item in inputs:
        raw = item.raw()
        components = {}
        for key, (value, n) in raw.items():
            own = value if value is not None else region[key]
            components[key] = (n * own + prior * region[key]) / (n + prior)
        score = 100.0 * sum(WEIGHTS[k] * components[k] for k in WEIGHTS)
        ratings.append(
            Rating(
                authority=item.authority,
                total=item.total,
                score=round(score, 1),
                components=components,
                raw={k: v for k, (v, _) in raw.items()},
                support={k: n for k, (_, n) in raw.items()},
            )
        )
    ratings.sort(key=lambda r: (-r.score, r.authority))
    placed, place, previous = [], 0, None
    for index, r in enumerate(ratings, start=1):
        if r.score != previous:
            place, previous = index, r.score
        placed.append(replace(r, place=place))
    return placed
