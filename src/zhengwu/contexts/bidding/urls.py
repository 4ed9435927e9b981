from django.urls import path

from zhengwu.contexts.bidding import views, views_opening

app_name = "bidding"

urlpatterns = [
    # Bidders: their keys, a sealed bid on a section, their bids with receipts and proofs.
    path("keys/", views.keys_view, name="keys"),
    path("tenders/<str:section_code>/bid/", views.bid_view, name="bid"),
    path("bids/", views.bids_mine_view, name="bids_mine"),
    path("bids/<str:bid_id>/withdraw/", views.bid_withdraw_view, name="bid_withdraw"),
    path("receipts/<str:receipt_id>/", views.receipt_download_view, name="receipt_download"),
    path("receipts/<str:receipt_id>/proof/", views.proof_download_view, name="proof_download"),
    # The online opening (网上开标): the live page, its fragment, and one URL per step.
    path("sections/<str:section_code>/opening/", views_opening.opening_page, name="opening"),
    path("sections/<str:section_code>/opening/live/", views_opening.opening_live, name="opening_live"),
    path("sections/<str:section_code>/opening/<str:action>/", views_opening.opening_act, name="opening_act"),
    path(
        "sections/<str:section_code>/opening/<str:action>/<str:extra>/",
        views_opening.opening_act,
        name="opening_act_on",
    ),
]
