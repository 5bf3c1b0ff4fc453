"""A small FastAPI app, as it runs anywhere: `uvicorn main:app`."""

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI(title='items')
ITEMS = {1: {'id': 1, 'name': 'tea', 'tags': ['green']}, 2: {'id': 2, 'name': 'coffee', 'tags': ['dark']}}


class NewItem(BaseModel):
    name: str
    tags: list[str] = []


@app.get('/api/items')
def list_items(tag: str | None = None, limit: int = 10):
    items = [item for item in ITEMS.values() if tag is None or tag in item['tags']]
    return {'items': items[:limit], 'count': len(items)}


@app.get('/api/items/{item_id}')
def get_item(item_id: int):
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail='no item %d' % item_id)
    return ITEMS[item_id]


@app.post('/api/items', status_code=201)
def create_item(item: NewItem):
    return {'id': max(ITEMS) + 1, 'name': item.name, 'tags': item.tags}
