import wit_world


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
