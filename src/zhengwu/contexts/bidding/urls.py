from django.urls import path

from zhengwu.contexts.bidding import views

app_name = "bidding"

urlpatterns = [
    # Bidders: their keys, a sealed bid on a section, their bids with receipts and proofs.
    path("keys/", views.keys_view, name="keys"),
    path("tenders/<str:section_code>/bid/", views.bid_view, name="bid"),
    path("bids/", views.bids_mine_view, name="bids_mine"),
    path("bids/<str:bid_id>/withdraw/", views.bid_withdraw_view, name="bid_withdraw"),
    path("receipts/<str:receipt_id>/", views.receipt_download_view, name="receipt_download"),
    path("receipts/<str:receipt_id>/proof/", views.proof_download_view, name="proof_download"),
]
