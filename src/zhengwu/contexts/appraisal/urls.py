from django.urls import path

from zhengwu.contexts.appraisal import views

app_name = "appraisal"

urlpatterns = [
    path("", views.home, name="home"),
]

# Indicator systems: versions, the tree, XLSForm download and upload (views_systems).
from zhengwu.contexts.appraisal import views_systems  # noqa: E402

urlpatterns += [
    path("systems/", views_systems.system_list_view, name="system_list"),
    path("systems/import/", views_systems.system_import_view, name="system_import"),
    path("systems/default/", views_systems.system_default_view, name="system_default"),
    path("systems/<int:pk>/", views_systems.system_detail_view, name="system_detail"),
    path("systems/<int:pk>/xlsform.xlsx", views_systems.system_xlsform_view, name="system_xlsform"),
]
