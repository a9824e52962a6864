"""Reports of users and messages (operators handle them with ``lianxin reports``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from lianxin.actions import reports
from lianxin.api.deps import Body, CurrentUser, Svc

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


class ReportBody(Body):
    user_id: int | None = Field(default=None, ge=1, description="The user reported")
    chat_id: int | None = Field(default=None, ge=1, description="With seq: the message reported")
    seq: int | None = Field(default=None, ge=1)
    reason: reports.Reason
    note: str = Field(default="", max_length=reports.NOTE_MAX)


@router.post("", status_code=201, summary="Report a user or a message I can read")
async def report(body: ReportBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    return await reports.do_report(svc, me, **body.model_dump())
