"""Imports `test:types/echo` and checks every value comes back as it went."""
import wit_world
from componentize_py_types import Err, Ok, Some
from wit_world.imports import echo
from wit_world.imports.shapes import Color, Perms, Point, Shape_Circle, Shape_Nothing, Shape_Segment


def checks():
    everything = echo.Everything(
        p=Point(-1, 2**31 - 1),
        s=Shape_Segment((Point(1, 2), Point(3, 4))),
        c=Color.BLUE,
        f=Perms.READ | Perms.EXEC,
        maybe=7,
        nested=Some(None),
        res=Err(255),
        pair=(2**64 - 1, 0.5),
        names=["a", "", "ünïcödé ✓"],
        data=bytes(range(256)),
        path=[Point(i, -i) for i in range(100)],
    )
    yield "everything", echo.echo_everything(everything) == everything
    other = echo.Everything(Point(0, 0), Shape_Nothing(), Color.RED, Perms(0), None, None, Ok("fine"), (0, -0.0), [], b"", [])
    yield "everything, empty", echo.echo_everything(other) == other
    nested = echo.Everything(Point(0, 0), Shape_Circle(1.5), Color.GREEN, Perms.WRITE, 0, Some("x"), Ok(""), (1, 1e300), ["x"] * 3, b"\0", [])
    yield "everything, nested", echo.echo_everything(nested) == nested
    shapes = [Shape_Circle(2.0), Shape_Nothing(), Shape_Segment((Point(5, 6), Point(7, 8)))]
    yield "shapes", echo.echo_shapes(shapes) == shapes[::-1]
    yield "divide", echo.divide(7, 2) == 3
    try:
        echo.divide(1, 0)
        yield "divide by zero raises", False
    except Err as e:
        yield "divide by zero raises", e.value == "division by zero"
    yield "check ok", echo.check(True) is None
    try:
        echo.check(False)
        yield "check raises", False
    except Err as e:
        yield "check raises", e.value == Color.BLUE
    got = echo.many(255, 65535, 2**32 - 1, 2**64 - 1, -128, -32768, -(2**31), -(2**63) + 2**31, 0.25, -2.5, "✓",
                    True, "m", "n", "o", "p", b"q")
    want = (255, -128, -(2**63), "✓", "mnopqTrue0.25-2.5" + str(65535 + 2**32 - 1 + 2**64 - 1 - 32768))
    yield "many (through memory)", got == want
    yield "maybe point", echo.maybe_point(Point(1, 2)) == Point(2, 1) and echo.maybe_point(None) is None
    yield "join", echo.join(Ok(1.5), None) == [Ok(1.5), Ok(1.5)] and echo.join(Err(2**64 - 1), 3.0) == [Err(2**64 - 1)]
    yield "flags", echo.all_perms(Perms.READ | Perms.WRITE | Perms.EXEC) == [Color.RED, Color.RED]
    for bad, want in [
        (lambda: echo.divide("1", 2), TypeError),
        (lambda: echo.divide(2**31, 2), OverflowError),
        (lambda: echo.maybe_point((1, 2)), TypeError),
        (lambda: echo.echo_shapes([Point(1, 2)]), TypeError),
        (lambda: echo.divide(1), TypeError),
    ]:
        try:
            bad()
            yield f"bad argument {want.__name__}", False
        except want:
            yield f"bad argument {want.__name__}", True


def random_checks(seed=2026, rounds=300):
    """Property: any value of each type comes back equal (random values, a fixed seed)."""
    import random

    rng = random.Random(seed)

    def text():
        alphabet = "aé✓\U0001F600 \n\0" + "".join(map(chr, range(0x20, 0x7F)))
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))

    def point():
        return Point(rng.randrange(-(2**31), 2**31), rng.randrange(-(2**31), 2**31))

    def shape():
        return rng.choice([
            lambda: Shape_Circle(rng.choice([0.0, -1.5, 3.25, float("inf")])),  # exact in f32
            lambda: Shape_Segment((point(), point())),
            lambda: Shape_Nothing(),
        ])()

    def everything():
        return echo.Everything(
            p=point(),
            s=shape(),
            c=rng.choice(list(Color)),
            f=Perms(rng.randrange(8)),
            maybe=rng.choice([None, rng.randrange(2**32)]),
            nested=rng.choice([None, Some(None), Some(text())]),
            res=rng.choice([Ok(text()), Err(rng.randrange(256))]),
            pair=(rng.randrange(2**64), rng.uniform(-1e300, 1e300)),
            names=[text() for _ in range(rng.randrange(5))],
            data=bytes(rng.randrange(256) for _ in range(rng.randrange(64))),
            path=[point() for _ in range(rng.randrange(5))],
        )

    bad = []
    for i in range(rounds):
        value = everything()
        if echo.echo_everything(value) != value:
            bad.append(i)
        shapes = [shape() for _ in range(rng.randrange(6))]
        if echo.echo_shapes(shapes) != shapes[::-1]:
            bad.append(i)
    yield f"{rounds} random values (seed {seed}) round-trip (bad: {bad[:3]})", not bad


def resource_checks():
    import gc

    from wit_world.imports import counters
    from wit_world.imports.counters import Counter

    c = Counter(5)
    c.add(3)
    yield "constructor and methods", c.value() == 8
    a = Counter(1)
    m = Counter.merge(a, c)
    yield "own moves, borrow lends", a.handle is None and c.value() == 8 and m.value() == 9
    try:
        a.value()
        yield "a moved handle is refused", False
    except ValueError:
        yield "a moved handle is refused", True
    yield "list of borrows", counters.total([c, m]) == 17
    made = counters.make(3)
    yield "list of owns", [x.value() for x in made] == [0, 1, 2]
    yield "live while held", counters.live() == 5
    with Counter(7) as w:
        yield "with", w.value() == 7 and counters.live() == 6
    yield "with drops", w.handle is None and counters.live() == 5
    del c, m, made, a
    gc.collect()
    yield "finalizers drop", counters.live() == 0


class WitWorld(wit_world.WitWorld):
    def run_checks(self) -> str:
        results = list(checks()) + list(resource_checks()) + list(random_checks())
        failed = [name for name, ok in results if not ok]
        return f"{len(results) - len(failed)} passed; failed: {failed}"
