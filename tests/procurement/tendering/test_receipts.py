"""Signed bid receipts (issue #13): the time to the millisecond, an HMAC-SHA256 signature a bidder can
keep, the downloadable receipt, and the public page that checks a pasted receipt."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from procurement.tendering import receipts
from tests.procurement.bidding import bidder, published_tender, submit

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 12, 5, 7, 4, 5, 123987, tzinfo=dt.UTC)


@pytest.fixture
def bid():
    tender = published_tender()[0]
    organization, user = bidder()
    bid = submit(tender, organization, user)
    bid.refresh_from_db()
    return bid, user


def _receipt(**changes) -> receipts.Receipt:
    fields = {
        "tender": "ZB-2026-001",
        "lot": "1",
        "organization": "51110000MJ0000000X",
        "bid": "42",
        "submitted_at": receipts.utc_ms(MOMENT),
        "receipt": "ab" * 32,
    }
    return receipts.Receipt(**{**fields, **changes})


def test_times_are_shown_to_the_millisecond_truncated():
    assert receipts.utc_ms(MOMENT) == "2026-12-05T07:04:05.123Z"
    assert receipts.beijing_ms(MOMENT) == "2026-12-05 15:04:05.123"
    # Never rounded up: 0.999 999 s stays in its second (a bid just before the deadline stays before).
    assert receipts.utc_ms(MOMENT.replace(microsecond=999999)) == "2026-12-05T07:04:05.999Z"


def test_canonical_text_names_every_field_in_order():
    assert _receipt().canonical() == (
        b"bid-receipt-v1\ntender=ZB-2026-001\nlot=1\norganization=51110000MJ0000000X\nbid=42\n"
        b"submitted_at=2026-12-05T07:04:05.123Z\nreceipt=" + b"ab" * 32
    )


def test_a_receipt_of_a_bid_verifies_and_every_tampering_fails(bid):
    bid, _user = bid
    receipt = receipts.receipt_of(bid)
    assert receipt.tender == bid.tender.reference and receipt.organization == bid.organization.uscc
    assert receipt.bid == str(bid.pk) and receipt.receipt == bid.receipt_hash
    assert receipt.submitted_at == receipts.utc_ms(bid.submitted_at)
    signature = receipts.sign(receipt)
    assert signature.startswith("hmac-sha256:") and len(signature) == len("hmac-sha256:") + 64
    assert receipts.verify(receipt, signature)
    one_ms_earlier = receipts.utc_ms(bid.submitted_at - dt.timedelta(milliseconds=1))
    for field, value in [
        ("submitted_at", one_ms_earlier),
        ("receipt", "0" * 64),
        ("bid", str(bid.pk + 1)),
        ("organization", "91110000MA00000000"),
        ("lot", "2"),
        ("tender", bid.tender.reference + "X"),
    ]:
        tampered = receipts.Receipt(**{**receipt.__dict__, field: value})
        assert not receipts.verify(tampered, signature), field
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert not receipts.verify(receipt, flipped)
    assert not receipts.verify(receipt, "")
    assert not receipts.verify(receipt, signature.replace("hmac-sha256:", "sha256:"))


def test_the_text_receipt_reads_back_and_verifies(bid):
    bid, _user = bid
    text = receipts.receipt_text(receipts.receipt_of(bid), verify_url="https://example.org/v/")
    assert receipts.beijing_ms(bid.submitted_at) in text and "北京时间" in text
    parsed, signature = receipts.parse(text)
    assert parsed == receipts.receipt_of(bid)
    assert receipts.verify(parsed, signature)
    # Windows line ends and surrounding spaces do not matter; a changed value does.
    assert receipts.verify(*receipts.parse(text.replace("\n", "\r\n  ")))
    hash_line = f"receipt: {bid.receipt_hash}"
    assert not receipts.verify(*receipts.parse(text.replace(hash_line, "receipt: " + "1" * 64)))


def test_the_key_is_its_own_and_configurable(settings):
    receipt = _receipt()
    derived = receipts.receipt_key()
    assert len(derived) == 32 and derived != settings.SECRET_KEY.encode()
    signature = receipts.sign(receipt)
    settings.BID_RECEIPT_KEY = "another-receipt-key-0123456789abcdef"
    assert receipts.receipt_key() == b"another-receipt-key-0123456789abcdef"
    assert not receipts.verify(receipt, signature)
    assert receipts.verify(receipt, receipts.sign(receipt))
    # Derived from SECRET_KEY: a rotated secret keeps old receipts valid while it is a fallback.
    settings.BID_RECEIPT_KEY = ""
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789abcdef"
    assert not receipts.verify(receipt, signature)
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert receipts.verify(receipt, signature)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "version: v1\nsignature: hmac-sha256:" + "0" * 64,  # fields missing
        "version: v2\n" + "\n".join(f"{f}: x" for f in receipts.FIELDS) + "\nsignature: s",
        "version: v1\nbid: 1\nbid: 2\n" + "\n".join(f"{f}: x" for f in receipts.FIELDS),  # twice
        "x" * (receipts.MAX_TEXT + 1),
    ],
)
def test_unreadable_texts_are_refused(text):
    with pytest.raises(receipts.ReceiptError):
        receipts.parse(text)


def test_a_bad_time_is_refused():
    with pytest.raises(receipts.ReceiptError):
        _receipt(submitted_at="2026-13-45T07:04:05.123Z")
    with pytest.raises(receipts.ReceiptError):
        _receipt(submitted_at="2026-12-05 15:04:05")
    with pytest.raises(receipts.ReceiptError):
        _receipt(tender="ZB\u2028001")


# --- pages -----------------------------------------------------------------------------------------


def test_the_bid_page_shows_the_time_to_the_ms_and_the_signature(client, bid):
    bid, user = bid
    client.force_login(user)
    body = client.get(reverse("procurement:bid_detail", args=[bid.pk])).content.decode()
    receipt = receipts.receipt_of(bid)
    assert receipts.beijing_ms(bid.submitted_at) in body
    assert "（北京时间，精确到毫秒）" in body
    assert receipts.sign(receipt) in body
    assert reverse("procurement:bid_receipt", args=[bid.pk]) in body
    assert "下载已签名的回执" in body


def test_the_receipt_downloads_for_the_bidder_only(client, bid):
    bid, user = bid
    url = reverse("procurement:bid_receipt", args=[bid.pk])
    assert client.get(url).status_code == 302  # log-in first
    client.force_login(bidder()[1])
    assert client.get(url).status_code == 404  # another organization's member
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    text = response.content.decode("utf-8")
    assert "7654321" not in text and "服务方案" not in text  # no content of the sealed bid
    receipt, signature = receipts.parse(text)
    assert receipt == receipts.receipt_of(bid) and receipts.verify(receipt, signature)
    assert reverse("procurement:receipt_verify") in text


def test_anyone_can_check_a_receipt_on_the_public_page(bid):
    bid, _user = bid
    text = receipts.receipt_text(receipts.receipt_of(bid))
    url = reverse("procurement:receipt_verify")
    anonymous = Client()
    page = anonymous.get(url)
    assert page.status_code == 200 and "投标回执验证" in page.content.decode()

    valid = anonymous.post(url, {"receipt": text}).content.decode()
    assert "签名有效：本回执由平台签发，内容未被修改。" in valid
    assert receipts.beijing_ms(bid.submitted_at) in valid and bid.organization.uscc in valid

    tampered = text.replace(f"bid: {bid.pk}", f"bid: {bid.pk + 1}")
    invalid = anonymous.post(url, {"receipt": tampered}).content.decode()
    assert "签名无效：回执内容已被修改，或并非由本平台签发。" in invalid
    assert "签名有效" not in invalid


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "just some text",
        "version: v1\nsignature: nope",
        "\x00" * 10,
        "version: v1\ntender: \x00\n",
        "submitted_at: 9999-99-99T99:99:99.999Z\n" * 2,
        "é" * (receipts.MAX_TEXT + 10),
        "version: v1\n" + "\n".join(f"{f}: x" for f in receipts.FIELDS) + "\nsignature: hmac-sha256:zz",
    ],
)
def test_garbage_gets_a_clear_message_never_an_error(garbage):
    response = Client(raise_request_exception=False).post(
        reverse("procurement:receipt_verify"), {"receipt": garbage}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "签名有效" not in body
    assert any(
        message in body for message in ("无法识别为投标回执", "签名无效", "此项为必填项", "不超过", "空字符")
    ), body[-3000:]


def test_the_check_is_csrf_protected():
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("procurement:receipt_verify"), {"receipt": "x"}).status_code == 403
