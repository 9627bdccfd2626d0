"""The provider's `test:types/counters` resource (componentize-py looks for an exported
interface's resources in the top-level module named after it)."""
import wit_world
from wit_world.exports import counters

LIVE = 0


class Counter(counters.Counter):
    def __init__(self, start: int) -> None:
        global LIVE
        LIVE += 1
        self.n = start

    def __del__(self):
        global LIVE
        LIVE -= 1

    def add(self, n: int) -> None:
        self.n += n

    def value(self) -> int:
        return self.n

    @staticmethod
    def merge(a: "Counter", b: "Counter") -> "Counter":
        return Counter(a.n + b.n)


class Counters(wit_world.exports.Counters):
    def total(self, cs) -> int:
        return sum(c.n for c in cs)

    def make(self, n: int):
        return [Counter(i) for i in range(n)]

    def live(self) -> int:
        return LIVE
