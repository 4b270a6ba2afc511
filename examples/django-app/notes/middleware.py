"""Small middlewares: version header, probes, Content-Security-Policy."""

from django.conf import settings

from . import views


class AppVersionHeaderMiddleware:
    """X-App-Version on every response, so a smoke test sees which release answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-App-Version"] = settings.APP_VERSION
        return response


class ProbeMiddleware:
    """Answers /healthz and /version before the Host header is validated.

    Health checks come from 127.0.0.1 (the container HEALTHCHECK, the deploy's
    smoke test) with whatever Host they like; the public hostnames in
    ALLOWED_HOSTS should not have to include them. Only these two read-only
    paths skip the check; everything else goes through CommonMiddleware.
    """

    PROBES = {"/healthz": views.healthz, "/version": views.version}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = self.PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header unless a view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
