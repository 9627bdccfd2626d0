"""Exports `test:types/echo`: hands every value back (or computes from it)."""
import wit_world
from componentize_py_types import Err
from wit_world.exports import echo
from wit_world.imports.shapes import Color, Point


class Echo(wit_world.exports.Echo):
    def echo_everything(self, e: echo.Everything) -> echo.Everything:
        return e

    def echo_shapes(self, s):
        return list(reversed(s))

    def divide(self, a: int, b: int) -> int:
        if b == 0:
            raise Err("division by zero")
        return a // b

    def check(self, ok: bool) -> None:
        if not ok:
            raise Err(Color.BLUE)

    def many(self, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q):
        return (a, e, h + g, k, "".join([m, n, o, p, q.decode(), str(l), str(i), str(j), str(b + c + d + f)]))

    def maybe_point(self, p):
        return None if p is None else Point(p.y, p.x)

    def join(self, a, b):
        return [a, a] if b is None else [a]

    def all_perms(self, f):
        return [Color(len(list(f)) % 3), Color.RED]


from counters import Counters  # noqa: E402,F401  (the export class of `test:types/counters`)


class WitWorld(wit_world.WitWorld):
    def scale(self, p: Point, k: int) -> Point:
        return Point(p.x * k, p.y * k)

    def favourite(self) -> Color:
        return Color.GREEN
