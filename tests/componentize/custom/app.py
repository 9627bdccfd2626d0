import wit_world
from componentize_py_types import Err


class WitWorld(wit_world.WitWorld):
    def greet(self, name: str) -> str:
        return f"Hello, {name}!"

    def mix(self, a: int, b: float, c: str, d: bool) -> float:
        return a + b + ord(c) + (1 if d else 0)

    def reverse(self, data: bytes) -> bytes:
        return data[::-1]

    def next(self, x: int) -> int:
        return x + 1

    def shout(self) -> None:
        print("shouted")

    def wrong(self) -> str:
        return 42  # not a str: the export fails with the reason

    def fallible(self, ok: bool) -> str:
        if ok:
            return "fine"
        raise Err("not a u8")  # an `Err` payload of the wrong type: fails with the reason

    def boom(self) -> None:
        raise ValueError("boom")  # not an `Err`: the traceback, then the trap
