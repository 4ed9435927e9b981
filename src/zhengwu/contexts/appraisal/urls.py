from django.urls import path

from zhengwu.contexts.appraisal import views, views_results

app_name = "appraisal"

urlpatterns = [
    path("", views.home, name="home"),
]

# Results (views_results): rankings, one unit over time.
urlpatterns += [
    path("results/", views_results.results_index, name="results"),
    path("rounds/<str:code>/results/", views_results.round_results, name="round_results"),
    path("units/<str:code>/", views_results.unit_results, name="unit_results"),
    path("my-unit/", views_results.my_unit, name="my_unit"),
]
