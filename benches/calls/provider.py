import wit_world
from wit_world.exports import echo


class Echo(wit_world.exports.Echo):
    def nothing(self) -> None:
        pass

    def echo(self, p: echo.Point) -> echo.Point:
        return p

    def sum(self, xs) -> int:
        return sum(xs)
