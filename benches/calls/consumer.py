import time

import wit_world
from wit_world.imports import echo


def per_call(f, n):
    start = time.perf_counter_ns()
    for _ in range(n):
        f()
    return (time.perf_counter_ns() - start) / n


class WitWorld(wit_world.WitWorld):
    def run(self, n: int) -> str:
        p = echo.Point(1, -2, "a label")
        xs = list(range(64))
        loop = per_call(lambda: None, n)
        cases = {
            "nothing()": lambda: echo.nothing(),
            "echo(record with a string)": lambda: echo.echo(p),
            "sum(list<u32> of 64)": lambda: echo.sum(xs),
        }
        return "; ".join(f"{name}={per_call(f, n) - loop:.0f}" for name, f in cases.items())
