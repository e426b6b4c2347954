"""Application documents: checked by content on upload, private when served."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from refurbishers.models import ApplicationDocument
from tests.support.images import exif_of, image_bytes, jpeg_with_gps, png_bomb
from tests.support.refurbisher_builders import (
    PDF,
    PNG,
    applicant_make,
    qa_user_make,
    user_make,
)

pytestmark = pytest.mark.django_db
JPEG = image_bytes("JPEG")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def applicant(client):
    user, refurbisher = applicant_make(complete=False)
    client.force_login(user)
    return user, refurbisher


def upload(client, name, content, kind="registration", content_type="application/pdf"):
    return client.post(
        reverse("apply-documents"),
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type)},
    )


def documents_of(refurbisher):
    return list(
        ApplicationDocument.objects.filter(application__refurbisher=refurbisher)
    )


def test_a_pdf_is_stored_and_listed(client, applicant):
    _, refurbisher = applicant

    response = upload(client, "kbis.pdf", PDF)

    assert response["Location"] == reverse("apply-documents")
    (document,) = documents_of(refurbisher)
    assert document.content_type == "application/pdf"
    assert document.original_name == "kbis.pdf"
    assert "kbis.pdf" not in document.file.name  # stored under a random name
    page = client.get(reverse("apply-documents")).content.decode()
    assert "kbis.pdf" in page
    assert reverse("apply-document", args=[document.pk]) in page


@pytest.mark.parametrize(
    ("name", "content", "content_type", "expected"),
    [
        ("scan.png", PNG, "image/png", "image/png"),
        ("photo.jpg", JPEG, "image/jpeg", "image/jpeg"),
    ],
)
def test_an_image_is_accepted_by_its_content(
    client, applicant, name, content, content_type, expected
):
    _, refurbisher = applicant

    upload(client, name, content, kind="insurance", content_type=content_type)

    (document,) = documents_of(refurbisher)
    assert document.content_type == expected
    assert document.kind == "insurance"


def test_a_photographed_document_is_stored_without_its_exif(client, applicant):
    _, refurbisher = applicant
    sent = jpeg_with_gps((64, 48), orientation=8)

    upload(client, "IMG_0042.jpg", sent, kind="insurance", content_type="image/jpeg")

    (document,) = documents_of(refurbisher)
    with document.file.open("rb") as stored:
        data = stored.read()
    assert exif_of(data) == {}
    assert document.size == len(data)
    assert document.original_name == "IMG_0042.jpg"


def test_a_decompression_bomb_is_refused_as_a_document(client, applicant):
    _, refurbisher = applicant

    response = upload(client, "scan.png", png_bomb(), content_type="image/png")

    assert "too many pixels" in response.content.decode()
    assert documents_of(refurbisher) == []


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("notes.txt", b"just some text", "text/plain"),
        (
            "invoice.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,
            "application/pdf",
        ),
        ("invoice.pdf", b"<!doctype html><script>alert(1)</script>", "application/pdf"),
    ],
    ids=["text file", "exe renamed to pdf", "html renamed to pdf"],
)
def test_a_file_that_is_not_really_a_pdf_or_image_is_refused(
    client, applicant, name, content, content_type
):
    _, refurbisher = applicant

    response = upload(client, name, content, content_type=content_type)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Upload a PDF, PNG or JPEG file" in page
    assert 'id="id_file_error"' in page
    # The choice of kind is kept.
    assert 'value="registration" required id="id_kind_0" checked' in page
    assert documents_of(refurbisher) == []


def test_a_file_over_the_size_limit_is_refused(client, applicant, settings):
    _, refurbisher = applicant
    settings.DOCUMENT_MAX_BYTES = 64

    response = upload(client, "big.pdf", PDF + b"0" * 100)

    assert "MB at most" in response.content.decode()
    assert documents_of(refurbisher) == []


def test_an_upload_without_a_file_or_kind_is_a_form_error(client, applicant):
    response = client.post(reverse("apply-documents"), {})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_file_error"' in page
    assert 'id="id_kind_error"' in page


def test_the_applicant_removes_a_document(
    client, applicant, django_capture_on_commit_callbacks
):
    _, refurbisher = applicant
    upload(client, "kbis.pdf", PDF)
    (document,) = documents_of(refurbisher)
    stored = document.file.name
    storage = document.file.storage

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("apply-document-remove", args=[document.pk]))

    assert response["Location"] == reverse("apply-documents")
    assert documents_of(refurbisher) == []
    assert not storage.exists(stored)


def test_another_applicant_cannot_remove_a_document(client):
    _, theirs = applicant_make()
    document = documents_of(theirs)[0]
    me, _ = applicant_make(complete=False)
    client.force_login(me)

    response = client.post(reverse("apply-document-remove", args=[document.pk]))

    assert response.status_code == 404
    assert ApplicationDocument.objects.filter(pk=document.pk).exists()


# --- Who may open a document --------------------------------------------------------


def test_a_member_downloads_the_document_as_an_attachment(client, applicant):
    _, refurbisher = applicant
    upload(client, "kbis.pdf", PDF)
    (document,) = documents_of(refurbisher)

    response = client.get(reverse("apply-document", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "kbis.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_qa_staff_with_the_permission_download_any_document(client):
    _, refurbisher = applicant_make()
    document = documents_of(refurbisher)[0]
    client.force_login(qa_user_make())

    response = client.get(reverse("apply-document", args=[document.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize(
    "who", ["another applicant", "a shopper", "staff without permission"]
)
def test_anyone_else_gets_a_404_as_if_the_document_did_not_exist(client, who):
    _, refurbisher = applicant_make()
    document = documents_of(refurbisher)[0]
    if who == "another applicant":
        person, _ = applicant_make(complete=False)
    elif who == "a shopper":
        person = user_make()
    else:
        person = user_make(is_staff=True)
    client.force_login(person)

    existing = client.get(reverse("apply-document", args=[document.pk]))
    missing = client.get(reverse("apply-document", args=[document.pk + 10_000]))

    assert existing.status_code == missing.status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    _, refurbisher = applicant_make()
    document = documents_of(refurbisher)[0]

    response = client.get(reverse("apply-document", args=[document.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_media_is_not_served_by_the_site(client):
    _, refurbisher = applicant_make()
    document = documents_of(refurbisher)[0]

    response = client.get("/media/" + document.file.name)

    assert response.status_code == 404
