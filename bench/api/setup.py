"""Gives a fresh user 500 direct conversations, each with a message, through the API."""
import json
import sys
import urllib.request

base, password, others = sys.argv[1], sys.argv[2], sys.argv[3:]


def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response:
        return json.load(response)


token = call("POST", "/api/v1/auth/register", {"username": "bench_lister", "email": "bench_lister@example.test",
                                               "password": password, "displayName": "Bench lister"})["accessToken"]
for other in others:
    conversation = call("POST", "/api/v1/conversations", {"kind": "direct", "members": [other]}, token)
    call("POST", f"/api/v1/conversations/{conversation['id']}/messages", {"body": "hello from the benchmark"}, token)
print(f"bench_lister has {len(others)} conversations")
