from django.urls import path

from zhengwu.contexts.bidding import views_opening

app_name = "bidding"

urlpatterns = [
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
