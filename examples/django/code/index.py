"""The FC entry point: FC 2.0's python3 HTTP trigger calls handler(environ, start_response), WSGI.
Django is set up once per instance, when FC first imports this module."""

from mysite.wsgi import application


def handler(environ, start_response):
    return application(environ, start_response)
