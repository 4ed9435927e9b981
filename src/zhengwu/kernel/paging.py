"""One page of a longer list: what every paged list page and API returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Countable(Protocol[T_co]):
    """Anything that counts itself and slices, such as a Django QuerySet or a list wrapper."""

    def count(self) -> int: ...

    def __getitem__(self, key: slice) -> object: ...


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int
    # True when ``total`` is a lower bound: counting stopped at a cap (``page_take_capped``).
    capped: bool = False
    # Whether a next page exists, when it was seen directly rather than counted.
    more: bool | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more if self.more is not None else self.page < self.pages


def page_take(items: Countable[T], *, page: int, size: int) -> Page[T]:
    """Page ``page`` (from 1) of ``size`` items: one COUNT and one sliced query."""
    offset = (page - 1) * size
    return Page(items=list(items[offset : offset + size]), total=items.count(), page=page, size=size)  # type: ignore[call-overload]


def page_take_capped(items: Countable[T], *, page: int, size: int, cap: int, counted: int | None = None) -> Page[T]:
    """Page ``page`` of ``size`` items, counting at most ``cap + 1`` of them.

    One bounded COUNT (a count over the first ``cap + 1`` rows; or ``counted``, when the caller
    already has it) and one query of ``size + 1`` rows, which tells whether a next page exists
    without counting the rest. Past the cap, ``total`` is ``cap`` and ``capped`` is True.
    """
    offset = (page - 1) * size
    rows = list(items[offset : offset + size + 1])  # type: ignore[call-overload]
    if counted is None:
        counted = items[: cap + 1].count()  # type: ignore[attr-defined]
    return Page(
        items=rows[:size],
        total=min(counted, cap),
        page=page,
        size=size,
        capped=counted > cap,
        more=len(rows) > size,
    )
