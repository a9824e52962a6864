"""Address-book upload and matches, "X joined Lianxin" notices, friend suggestions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from lianxin.actions import addressbook, suggestions
from lianxin.api.deps import Body, CurrentUser, IdPath, Svc

router = APIRouter(prefix="/api/v1", tags=["contacts"])

# Bounded by settings.addressbook_max_per_request as well; this stops oversize bodies early.
LIST_MAX = 20_000


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    phone: str = Field(min_length=1, max_length=40)


class AddressBookBody(Body):
    add: list[ContactIn] = Field(default_factory=list, max_length=LIST_MAX)
    remove: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=LIST_MAX
    )
    replace: bool = Field(default=False, description="Forget the stored book before adding")


@router.post("/addressbook", summary="Upload address-book changes; returns who is on Lianxin")
async def sync(body: AddressBookBody, svc: Svc, me: CurrentUser) -> dict[str, Any]:
    contacts = [addressbook.Contact(c.name, c.phone) for c in body.add]
    return await addressbook.do_sync(
        svc, me, add=contacts, remove=body.remove, replace=body.replace
    )


@router.get("/addressbook", summary="People in my stored address book who are on Lianxin")
async def matches(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await addressbook.list_matches(svc, me)


@router.delete("/addressbook", summary="Forget my uploaded address book")
async def purge(svc: Svc, me: CurrentUser) -> dict[str, int]:
    return {"removed": await addressbook.do_purge(svc, me)}


@router.get("/contacts/joined", summary="Recent 'X joined Lianxin' notices")
async def joined(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await addressbook.list_joined(svc, me)


@router.get("/suggestions", summary="People you may know, with the reason")
async def suggestions_list(svc: Svc, me: CurrentUser) -> list[dict[str, Any]]:
    return await suggestions.list_suggestions(svc, me)


@router.post(
    "/suggestions/{user_id}/dismiss", summary="Hide a suggestion for good", status_code=204
)
async def dismiss(user_id: IdPath, svc: Svc, me: CurrentUser) -> None:
    await suggestions.do_dismiss(svc, me, user_id)
