from django.urls import path

from refurbishers.views import apply

urlpatterns = [
    path("", apply.apply, name="apply"),
    path("company/", apply.company, name="apply-company"),
    path("operations/", apply.operations, name="apply-operations"),
    path("certifications/", apply.certifications, name="apply-certifications"),
    path("documents/", apply.documents, name="apply-documents"),
    path(
        "documents/<int:document_id>/",
        apply.document_download,
        name="apply-document",
    ),
    path(
        "documents/<int:document_id>/remove/",
        apply.document_remove,
        name="apply-document-remove",
    ),
    path("review/", apply.review, name="apply-review"),
    path("submit/", apply.submit, name="apply-submit"),
]
