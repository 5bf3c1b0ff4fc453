"""The FC entry point: FC 2.0's python3 HTTP trigger calls handler(environ, start_response), WSGI."""

from app import app


def handler(environ, start_response):
    return app(environ, start_response)
