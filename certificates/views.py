from django.http import HttpRequest, JsonResponse


def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": []})


def rate_limited(request: HttpRequest, exception=None) -> JsonResponse:
    return JsonResponse({"detail": "请求过于频繁，请稍后再试。Too many requests."}, status=429)
