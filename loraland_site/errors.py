"""The site's error pages: a server error that is the database not answering (a lost or refused
connection) gets the 503 page with Retry-After, since nothing was written and trying again
later is the right advice; any other gets the 500 page."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

log = logging.getLogger(__name__)
DATABASE_RETRY_S = 10


def server_error(request):
    """handler500: Django calls it while the error is being handled, so it can see which."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_S)
        return response
    return django_server_error(request)
