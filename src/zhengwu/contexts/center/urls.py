"""The service centre platform's URLs: the hall, the leaders' duty roster, the library window, the legal-aid desk."""

from django.urls import path

from zhengwu.contexts.center import views, views_departments, views_hall, views_legal_aid, views_library, views_roster

app_name = "center"

urlpatterns = [
    path("", views.home, name="home"),
    # Hall information: public page, staff management.
    path("hall/", views_hall.hall_page, name="hall"),
    path("hall/manage/", views_hall.hall_manage, name="hall_manage"),
    path("hall/manage/hours/", views_hall.hours_set, name="hall_hours_set"),
    path("hall/manage/amenities/", views_hall.amenity_save, name="hall_amenity_save"),
    path("hall/manage/amenities/<int:pk>/delete/", views_hall.amenity_delete, name="hall_amenity_delete"),
    path("hall/manage/windows/", views_hall.window_save, name="hall_window_save"),
    path("hall/manage/windows/<int:pk>/delete/", views_hall.window_delete, name="hall_window_delete"),
    path("hall/manage/announcements/", views_hall.announcement_publish, name="hall_announcement_publish"),
    path(
        "hall/manage/announcements/<int:pk>/withdraw/",
        views_hall.announcement_withdraw,
        name="hall_announcement_withdraw",
    ),
    # The leaders' duty roster (窗口部门领导进中心).
    path("roster/", views_roster.roster_home, name="roster_home"),
    path("roster/generate/", views_roster.roster_generate_view, name="roster_generate"),
    path("roster/publish/", views_roster.roster_publish_view, name="roster_publish"),
    path("roster/export/", views_roster.roster_export, name="roster_export"),
    path("roster/public/", views_roster.roster_public, name="roster_public"),
    path("roster/<int:assignment_id>/", views_roster.duty_detail, name="duty_detail"),
    path("roster/<int:assignment_id>/swap/", views_roster.duty_swap_view, name="duty_swap"),
    path("roster/<int:assignment_id>/reassign/", views_roster.duty_reassign_view, name="duty_reassign"),
    path("roster/<int:assignment_id>/attendance/", views_roster.duty_attendance_view, name="duty_attendance"),
    path("roster/<int:assignment_id>/issues/", views_roster.duty_issue_add_view, name="duty_issue_add"),
    path(
        "roster/<int:assignment_id>/issues/<int:issue_id>/resolve/",
        views_roster.duty_issue_resolve_view,
        name="duty_issue_resolve",
    ),
    # The departments stationed in the hall, their leaders and the leaders' unavailability (staff).
    path("roster/departments/", views_departments.departments_list, name="departments"),
    path("roster/departments/new/", views_departments.department_create_view, name="department_create"),
    path("roster/departments/<int:department_id>/", views_departments.department_detail, name="department_detail"),
    path(
        "roster/departments/<int:department_id>/edit/",
        views_departments.department_update_view,
        name="department_update",
    ),
    path(
        "roster/departments/<int:department_id>/leaders/",
        views_departments.leader_create_view,
        name="leader_create",
    ),
    path("roster/departments/leaders/<int:leader_id>/", views_departments.leader_detail, name="leader_detail"),
    path(
        "roster/departments/leaders/<int:leader_id>/edit/", views_departments.leader_update_view, name="leader_update"
    ),
    path(
        "roster/departments/leaders/<int:leader_id>/deactivate/",
        views_departments.leader_deactivate_view,
        name="leader_deactivate",
    ),
    path(
        "roster/departments/leaders/<int:leader_id>/reactivate/",
        views_departments.leader_reactivate_view,
        name="leader_reactivate",
    ),
    path(
        "roster/departments/leaders/<int:leader_id>/unavailability/",
        views_departments.unavailability_declare_view,
        name="unavailability_declare",
    ),
    path(
        "roster/departments/leaders/<int:leader_id>/unavailability/<int:entry_id>/withdraw/",
        views_departments.unavailability_withdraw_view,
        name="unavailability_withdraw",
    ),
    # The library window (党校图书服务窗口): public catalogue, lending desk, catalogue, readers.
    path("library/", views_library.library_public, name="library"),
    path("library/desk/", views_library.library_desk, name="library_desk"),
    path("library/desk/lend/", views_library.desk_lend, name="library_lend"),
    path("library/desk/return/", views_library.desk_return, name="library_return"),
    path("library/desk/renew/", views_library.desk_renew, name="library_renew"),
    path("library/desk/reminders/", views_library.desk_reminders, name="library_reminders"),
    path("library/desk/export/", views_library.desk_export, name="library_export"),
    path("library/manage/", views_library.library_manage, name="library_manage"),
    path("library/manage/titles/", views_library.title_create_view, name="library_title_create"),
    path("library/manage/import/", views_library.catalogue_import_view, name="library_import"),
    path("library/manage/export/", views_library.catalogue_export, name="library_catalogue_export"),
    path("library/manage/titles/<int:book_id>/", views_library.title_detail, name="library_title"),
    path("library/manage/titles/<int:book_id>/edit/", views_library.title_edit_view, name="library_title_edit"),
    path("library/manage/titles/<int:book_id>/copies/", views_library.copies_add_view, name="library_copies_add"),
    path(
        "library/manage/titles/<int:book_id>/recommend/",
        views_library.title_recommend_view,
        name="library_title_recommend",
    ),
    path(
        "library/manage/titles/<int:book_id>/copies/<int:copy_id>/lost/",
        views_library.copy_lost_view,
        name="library_copy_lost",
    ),
    path("library/readers/", views_library.readers_home, name="library_readers"),
    path("library/readers/register/", views_library.reader_register_view, name="library_reader_register"),
    path("library/readers/<int:reader_id>/", views_library.reader_detail, name="library_reader"),
    path(
        "library/readers/<int:reader_id>/deactivate/",
        views_library.reader_deactivate_view,
        name="library_reader_deactivate",
    ),
    # The legal-aid desk (法律援助进中心): legal-aid staff only, the statistics also for centre staff and leaders.
    path("legal-aid/", views_legal_aid.legal_aid_home, name="legal_aid_home"),
    path("legal-aid/consultations/", views_legal_aid.consultations, name="legal_aid_consultations"),
    path("legal-aid/consultations/new/", views_legal_aid.consultation_new, name="legal_aid_consultation_new"),
    path(
        "legal-aid/consultations/export/",
        views_legal_aid.consultations_export,
        name="legal_aid_consultations_export",
    ),
    path("legal-aid/cases/", views_legal_aid.cases, name="legal_aid_cases"),
    path("legal-aid/cases/new/", views_legal_aid.case_new, name="legal_aid_case_new"),
    path("legal-aid/cases/export/", views_legal_aid.cases_export, name="legal_aid_cases_export"),
    path("legal-aid/cases/<str:number>/", views_legal_aid.case_detail, name="legal_aid_case"),
    path(
        "legal-aid/cases/<str:number>/review-begin/",
        views_legal_aid.case_review_begin_view,
        name="legal_aid_case_review_begin",
    ),
    path("legal-aid/cases/<str:number>/review/", views_legal_aid.case_review_view, name="legal_aid_case_review"),
    path("legal-aid/cases/<str:number>/assign/", views_legal_aid.case_assign_view, name="legal_aid_case_assign"),
    path("legal-aid/cases/<str:number>/start/", views_legal_aid.case_start_view, name="legal_aid_case_start"),
    path("legal-aid/cases/<str:number>/close/", views_legal_aid.case_close_view, name="legal_aid_case_close"),
    path("legal-aid/cases/<str:number>/reveal/", views_legal_aid.case_reveal_view, name="legal_aid_case_reveal"),
    path(
        "legal-aid/cases/<str:number>/materials/",
        views_legal_aid.case_materials_view,
        name="legal_aid_case_materials",
    ),
    path(
        "legal-aid/cases/<str:number>/materials-complete/",
        views_legal_aid.case_materials_complete_view,
        name="legal_aid_case_materials_complete",
    ),
    path("legal-aid/cases/<str:number>/withdraw/", views_legal_aid.case_withdraw_view, name="legal_aid_case_withdraw"),
    path(
        "legal-aid/cases/<str:number>/terminate/",
        views_legal_aid.case_terminate_view,
        name="legal_aid_case_terminate",
    ),
    path("legal-aid/statistics/", views_legal_aid.statistics, name="legal_aid_statistics"),
    path("legal-aid/statistics/export/", views_legal_aid.statistics_export, name="legal_aid_statistics_export"),
]
