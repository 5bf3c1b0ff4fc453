from django.urls import path

from notes import views

urlpatterns = [
    path('', views.home, name='home'),
    path('api/notes', views.notes, name='notes'),
    path('api/notes/<int:note_id>', views.note, name='note'),
    path('headers', views.headers, name='headers'),
    path('latest', views.latest, name='latest'),
]

handler404 = 'notes.views.not_found'
