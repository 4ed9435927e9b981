from django.urls import path

from zhengwu.contexts.disclosure import views, views_centre, views_statistics, views_transparency
from zhengwu.contexts.disclosure.ocds import views as ocds_views
from zhengwu.contexts.disclosure.upward import views as upward_views

app_name = "disclosure"

urlpatterns = [
    path("", views.home, name="home"),
    path("subjects/", views.subjects, name="subjects"),
    path("notices/", views.notices, name="notices"),
    path("notices/<str:notice_id>/", views.notice_detail, name="notice_detail"),
    path("projects/<str:project_code>/", views.project_detail, name="project_detail"),
    path("sections/<str:section_code>/", views.section_detail, name="section_detail"),
    path("sections/<str:section_code>/expert-draw.json", views.section_expert_draw, name="section_expert_draw"),
    path("inclusion-proof/", views_transparency.inclusion_proof, name="inclusion_proof"),
    path("transparency/", views_transparency.transparency, name="transparency"),
    path("statistics/", views_statistics.statistics, name="statistics"),
    path("statistics/<slug:figure>.<slug:fmt>", views_statistics.statistics_download, name="statistics_download"),
    # Open data (OCDS 1.1.5): stable URLs, the package at the top level.
    path("open-data/", ocds_views.open_data, name="open_data"),
    path("api/ocds/releases", ocds_views.releases, name="ocds_releases"),
    path("api/ocds/releases/<str:ocid>/<path:release_id>", ocds_views.release_detail, name="ocds_release"),
    path("api/ocds/records", ocds_views.records, name="ocds_records"),
    path("api/ocds/records/<str:ocid>", ocds_views.record_detail, name="ocds_record"),
    path("api/ocds/bulk/", ocds_views.bulk, name="ocds_bulk"),
    path("api/ocds/bulk/<str:month>.jsonl.gz", ocds_views.bulk_file, name="ocds_bulk_file"),
    path("upward/", upward_views.upward_report, name="upward_report"),
    # The service centre's public information, from the centre's events.
    path("centre/", views_centre.centre_hall, name="centre_hall"),
    path("centre/roster/", views_centre.centre_roster, name="centre_roster"),
    path("centre/library/", views_centre.centre_library, name="centre_library"),
]
