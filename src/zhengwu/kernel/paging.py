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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_take(items: Countable[T], *, page: int, size: int) -> Page[T]:
    """Page ``page`` (from 1) of ``size`` items: one COUNT and one sliced query."""
    offset = (page - 1) * size
    return Page(items=list(items[offset : offset + size]), total=items.count(), page=page, size=size)  # type: ignore[call-overload]
