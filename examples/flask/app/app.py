"""A small Flask app, written as it would be for any WSGI server; nothing in it knows about FC."""

import os

from flask import Flask, abort, jsonify, redirect, render_template, request, session, url_for

app = Flask(__name__)
app.config['SECRET_KEY'] = os.environ.get('FLASK_SECRET_KEY', 'change-me-in-production')

ITEMS = {
    1: {'id': 1, 'name': 'kettle', 'price': 25.0, 'tags': ['kitchen']},
    2: {'id': 2, 'name': 'teapot', 'price': 18.5, 'tags': ['kitchen', 'tea']},
    3: {'id': 3, 'name': 'mug', 'price': 6.0, 'tags': ['tea']},
}


@app.get('/')
def home():
    return render_template('index.html', items=sorted(ITEMS.values(), key=lambda i: i['id']))


@app.get('/api/items')
def list_items():
    tag = request.args.get('tag')
    limit = request.args.get('limit', default=10, type=int)
    found = [i for i in sorted(ITEMS.values(), key=lambda i: i['id']) if tag is None or tag in i['tags']]
    return jsonify(items=found[:limit], total=len(found))


@app.get('/api/items/<int:item_id>')
def get_item(item_id):
    item = ITEMS.get(item_id)
    if item is None:
        abort(404)
    return jsonify(item)


@app.post('/api/items')
def create_item():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get('name'), str):
        return jsonify(error='a JSON object with a "name" is required'), 400
    # Not stored: each function instance has its own memory, so a POST only echoes what it made.
    item = {'id': max(ITEMS) + 1, 'name': data['name'], 'price': float(data.get('price', 0)),
            'tags': list(data.get('tags', []))}
    return jsonify(item), 201, {'Location': url_for('get_item', item_id=item['id'])}


@app.post('/contact')
def contact():
    name = request.form.get('name', '').strip()
    message = request.form.get('message', '').strip()
    if not name or not message:
        return jsonify(error='name and message are required'), 422
    return jsonify(received={'name': name, 'message': message, 'length': len(message)})


@app.get('/old-items')
def old_items():
    return redirect(url_for('list_items', **request.args), code=301)


@app.get('/visits')
def visits():
    session['visits'] = session.get('visits', 0) + 1
    response = jsonify(visits=session['visits'])
    # a second cookie, so the answer carries two Set-Cookie headers
    response.set_cookie('theme', request.args.get('theme', 'light'), max_age=3600, samesite='Lax')
    return response


@app.get('/echo')
def echo():
    return jsonify(
        method=request.method,
        path=request.path,
        query=request.query_string.decode(),
        host=request.host,
        user_agent=request.headers.get('User-Agent'),
        custom=request.headers.get('X-Custom'),
        cookies=dict(request.cookies),
    ), 200, {'X-Echo': request.headers.get('X-Custom', '')}


@app.errorhandler(404)
def not_found(error):
    return jsonify(error='not found', path=request.path), 404


@app.errorhandler(405)
def not_allowed(error):
    return jsonify(error='method not allowed', method=request.method), 405


if __name__ == '__main__':
    app.run(port=int(os.environ.get('PORT', '5000')))
