import json

from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

NOTES = {
    1: {'id': 1, 'title': 'Lift', 'body': 'Move the app as it is.', 'done': True},
    2: {'id': 2, 'title': 'Shift', 'body': 'Point the domain at the function.', 'done': False},
    3: {'id': 3, 'title': 'Measure', 'body': 'Compare cold and warm calls.', 'done': False},
}


@require_GET
def home(request):
    return render(request, 'notes/index.html', {'notes': [NOTES[k] for k in sorted(NOTES)]})


@csrf_exempt  # a JSON API called by programs, not by a form of this site
@require_http_methods(['GET', 'HEAD', 'POST'])
def notes(request):
    if request.method == 'POST':
        try:
            data = json.loads(request.body)
        except ValueError:
            return JsonResponse({'error': 'the body is not JSON'}, status=400)
        if not isinstance(data, dict) or not isinstance(data.get('title'), str):
            return JsonResponse({'error': 'a JSON object with a "title" is required'}, status=400)
        note = {'id': max(NOTES) + 1, 'title': data['title'], 'body': str(data.get('body', '')), 'done': False}
        response = JsonResponse(note, status=201)
        response['Location'] = reverse('note', args=[note['id']])
        return response
    found = [NOTES[k] for k in sorted(NOTES)]
    done = request.GET.get('done')
    if done is not None:
        found = [n for n in found if n['done'] == (done == 'true')]
    return JsonResponse({'notes': found, 'count': len(found)})


@require_GET
def note(request, note_id):
    if note_id not in NOTES:
        raise Http404('no such note')
    return JsonResponse(NOTES[note_id])


@require_GET
def headers(request):
    response = JsonResponse({
        'host': request.get_host(),
        'path': request.path,
        'query': request.META.get('QUERY_STRING', ''),
        'user_agent': request.headers.get('User-Agent'),
        'custom': request.headers.get('X-Custom'),
        'cookies': request.COOKIES,
        'secure': request.is_secure(),
    })
    response.set_cookie('greeted', 'yes', max_age=600, samesite='Lax')
    return response


@require_GET
def latest(request):
    return redirect('note', note_id=max(NOTES))


def not_found(request, exception):
    return JsonResponse({'error': 'not found', 'path': request.path}, status=404)
