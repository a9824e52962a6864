"""Shared route dependencies: the services, the caller's identity, the client IP."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from lianxin.actions.accounts import Identity, authenticate
from lianxin.services import Services

_bearer = HTTPBearer(auto_error=False, description="A device token from /api/v1/auth/verify")


# Dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in a thread
# pool, a thread hand-off per request (6 % of the server's CPU during `bench connect`).
async def get_services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


Svc = Annotated[Services, Depends(get_services)]


# The bearer credentials as sent (checked by the route itself: see ``GET /me``).
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def current_identity(svc: Svc, creds: Bearer) -> Identity:
    return await authenticate(svc, creds.credentials if creds else None)


CurrentUser = Annotated[Identity, Depends(current_identity)]


async def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


ClientIp = Annotated[str | None, Depends(client_ip)]


# Ids and seqs fit JavaScript's safe integers; bigger values are refused before any query.
ID_MAX = 2**53
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
IdPath = Annotated[int, Path(ge=1, le=ID_MAX)]


class Body(BaseModel):
    """Request bodies refuse unknown fields, so typos fail loudly instead of silently."""

    model_config = ConfigDict(extra="forbid")
