"""Phone-number normalisation and the SMS providers, without a server or a network."""

from __future__ import annotations

import hashlib
import hmac
import logging
from pathlib import Path
from typing import Any

import pytest

from lianxin.actions.accounts import normalize_phone
from lianxin.config import Settings
from lianxin.errors import Code, LianxinError
from lianxin.sms import ConsoleSms, MemorySms, WebhookSms, create_sms


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+86 138 0013 8000", "US", "+8613800138000"),
        ("+86-138-0013-8000", "US", "+8613800138000"),
        ("  +86 (138) 0013 8000 ", "US", "+8613800138000"),
        ("138 0013 8000", "CN", "+8613800138000"),
        ("011 86 138 0013 8000", "US", "+8613800138000"),
        ("(650) 253-0000", "US", "+16502530000"),
        ("650.253.0000", "US", "+16502530000"),
        ("+1 650 253 0000", "CN", "+16502530000"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
    ],
)
def test_normalize_phone_to_e164(raw: str, region: str, e164: str) -> None:
    assert normalize_phone(raw, region) == e164


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("", "US"),
        ("not a number", "US"),
        ("12", "US"),
        ("+1 555", "US"),
        ("+999 123456", "US"),
        ("138 0013 8000", "US"),  # a Chinese mobile is not a US number
        ("0086 138 0013 8000", "US"),  # 00 is not the international prefix in the US
        ("+86 138 0013 80001234", "US"),
    ],
)
def test_normalize_phone_refuses_invalid(raw: str, region: str) -> None:
    with pytest.raises(LianxinError) as err:
        normalize_phone(raw, region)
    assert err.value.code == Code.invalid_phone and err.value.status == 400


def test_webhook_signature_is_hmac_sha256_of_timestamp_and_body() -> None:
    sms = WebhookSms("http://127.0.0.1:9/sms", "secret")
    body = b'{"phone":"+8613800138000","code":"123456","ts":1700000000}'
    expected = hmac.new(b"secret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sms.sign(1_700_000_000, body) == "sha256=" + expected


def test_webhook_signature_covers_secret_timestamp_and_body() -> None:
    sms = WebhookSms("http://127.0.0.1:9/sms", "secret")
    body = b'{"code":"123456"}'
    base = sms.sign(1, body)
    assert sms.sign(1, body) == base
    assert sms.sign(2, body) != base
    assert sms.sign(1, body.replace(b"123456", b"654321")) != base
    assert WebhookSms("http://127.0.0.1:9/sms", "other").sign(1, body) != base


async def test_console_provider_logs_the_code(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lianxin.sms"):
        await ConsoleSms().send_code("+8613800138000", "424242")
    assert "+8613800138000" in caplog.text and "424242" in caplog.text


async def test_memory_provider_keeps_the_last_code_per_number() -> None:
    sms = MemorySms()
    await sms.send_code("+8613800138000", "111111")
    await sms.send_code("+8613800138000", "222222")
    assert sms.codes == {"+8613800138000": "222222"}
    assert sms.sent == [("+8613800138000", "111111"), ("+8613800138000", "222222")]


def test_create_sms_picks_the_configured_provider(tmp_path: Path) -> None:
    def settings(**kw: Any) -> Settings:
        return Settings(data_dir=tmp_path, **kw)

    assert isinstance(create_sms(settings()), ConsoleSms)
    assert isinstance(create_sms(settings(sms_provider="memory")), MemorySms)
    hook = create_sms(
        settings(sms_provider="webhook", sms_webhook_url="http://x/sms", sms_webhook_secret="k")
    )
    assert isinstance(hook, WebhookSms) and hook.url == "http://x/sms"


@pytest.mark.parametrize("missing", ["sms_webhook_url", "sms_webhook_secret"])
def test_webhook_provider_needs_url_and_secret(tmp_path: Path, missing: str) -> None:
    config = {"sms_webhook_url": "http://x/sms", "sms_webhook_secret": "k"}
    del config[missing]
    with pytest.raises(ValueError, match="sms_webhook"):
        create_sms(Settings(data_dir=tmp_path, sms_provider="webhook", **config))
