"""Bot API method parameters from a query string, JSON, form or multipart body.

Libraries send typed values as strings in forms (``"123"``, ``"true"``, a JSON string
for objects), and as native JSON values in JSON bodies; both read the same here.
Unknown parameters are ignored, as Telegram does: libraries send newer optional fields.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from lianxin.errors import Code, LianxinError

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def _bad(message: str) -> LianxinError:
    return LianxinError(Code.bad_request, message)


class Params:
    def __init__(self, values: dict[str, Any], form: FormData | None = None) -> None:
        self.values = values
        self._form = form  # uploaded parts live in temporary files until ``close``

    async def close(self) -> None:
        if self._form is not None:
            await self._form.close()

    @classmethod
    async def read(cls, request: Request) -> Params:
        values: dict[str, Any] = dict(request.query_params)
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method == "POST" and kind == "application/json":
            try:
                body = orjson.loads(await request.body() or b"{}")
            except orjson.JSONDecodeError:
                raise _bad("the request body is not JSON") from None
            if not isinstance(body, dict):
                raise _bad("the request body is a JSON object")
            values.update(body)
        elif request.method == "POST" and kind in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            form = await request.form()
            for key, value in form.multi_items():
                values[key] = value  # files stay UploadFile: see ``upload``
            return cls(values, form)
        return cls(values)

    def upload(self, name: str) -> UploadFile | str | None:
        """A file parameter: an uploaded part (directly or as ``attach://<part>``), or the
        string given instead (a file id or an HTTP URL)."""
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self.values.get(value.removeprefix("attach://"))
            if not isinstance(value, UploadFile):
                raise _bad(f"{name}: the attach:// part is missing")
        if value is None or isinstance(value, UploadFile | str):
            return value
        raise _bad(f"{name} must be a file, a file id or an HTTP URL")

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None

    def string(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None:
            if required:
                raise _bad(f"{name} is required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _bad(f"{name} must be a string")  # an uploaded file, too
        return str(value)

    def text(self, name: str) -> str:
        value = self.string(name, required=True)
        assert value is not None
        if not value.strip():
            raise _bad(f"{name} must be non-empty")
        return value

    def integer(
        self, name: str, *, required: bool = False, default: int | None = None
    ) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise _bad(f"{name} is required")
            return default
        if isinstance(value, bool):
            raise _bad(f"{name} must be an integer")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad(f"{name} must be an integer") from None

    def req_int(self, name: str) -> int:
        value = self.integer(name, required=True)
        assert value is not None
        return value

    def boolean(self, name: str) -> bool:
        value = self.values.get(name)
        if value is None or isinstance(value, bool):
            return bool(value)
        if str(value).lower() in _TRUE:
            return True
        if str(value).lower() in _FALSE:
            return False
        raise _bad(f"{name} must be a boolean")

    def number(self, name: str, default: float) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _bad(f"{name} must be a number") from None

    def json(self, name: str) -> Any:
        """An object or list parameter: native JSON, or a JSON string in a form."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                raise _bad(f"{name} is not valid JSON") from None
        return value
