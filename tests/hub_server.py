"""A local stand-in for the Hugging Face Hub, for the tests: the real huggingface_hub client's
snapshot_download fetches from it over real sockets.

It speaks the part of the Hub's protocol that snapshot_download uses (huggingface_hub 2.4):

- GET  /api/models/{repo_id}/revision/{revision}: the repo's info, with "sha" (the commit) and
  "siblings" (its files);
- GET  /api/models/{repo_id}/tree/{revision}: the file listing (oid, size, lfs for weights);
- HEAD and GET /{repo_id}/resolve/{revision}/{filename}: a file, with X-Repo-Commit, ETag (the
  git blob id) or X-Linked-Etag and X-Linked-Size (the sha256 and size of an LFS file), and
  Content-Length; GET honours "Range: bytes=N-" (the client resumes with it);
- errors the way the client recognises them (huggingface_hub.utils.hf_raise_for_status): an
  X-Error-Code header (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) and
  X-Error-Message. A gated repo's info and listing are public, as on the Hub; its files need
  "Authorization: Bearer <token>" of a token granted access (401 without one, 403 with a token
  of another account); an unknown token gets 401 "Invalid credentials in Authorization header".

    with FakeHub() as hub:
        hub.pointed_at(monkeypatch, tmp_path)  # pytest's monkeypatch: undone after the test
        hub.put("org/name", {"config.json": b"{}"}, gated=True)
        hub.tokens["hf_ok"] = {"org/name"}  # token -> gated repos it may read
        hub.truncate.add(("org/name", "config.json"))  # GET sends half, HEAD promises all
        ...
        hub.downloads()  # the files whose bytes were sent (GET /resolve/)

Every commit is the SHA-1 of the repo's files, so changing a file (put again) makes a new one.
No Xet, no redirects to a CDN: files come from /resolve/ itself.
"""

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".bin", ".pth", ".pt")
INVALID_TOKEN = "Invalid credentials in Authorization header"


@dataclass
class Repo:
    files: dict[str, bytes]
    gated: bool = False

    @property
    def commit(self) -> str:
        listing = sorted((name, blob_id(data)) for name, data in self.files.items())
        return hashlib.sha1(json.dumps(listing).encode()).hexdigest()


@dataclass
class FakeHub:
    repos: dict[str, Repo] = field(default_factory=dict)
    tokens: dict[str, set[str]] = field(default_factory=dict)
    truncate: set[tuple[str, str]] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self):
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "FakeHub":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def put(self, repo_id: str, files: dict[str, bytes], *, gated: bool = False) -> None:
        with self.lock:
            self.repos[repo_id] = Repo(dict(files), gated)

    def downloads(self) -> list[str]:
        """The paths of the GET /resolve/ requests so far: the files whose bytes were sent."""
        return [path for method, path in self.requests if method == "GET" and "/resolve/" in path]

    def pointed_at(self, monkeypatch, home) -> None:
        """Point huggingface_hub at this server, with no token, no Xet and its cache in `home`.

        huggingface_hub reads HF_ENDPOINT, HF_HUB_DISABLE_XET and its paths into
        huggingface_hub.constants at import and looks them up there at each call."""
        from huggingface_hub import constants

        monkeypatch.setattr(constants, "ENDPOINT", self.url)
        monkeypatch.setattr(
            constants,
            "HUGGINGFACE_CO_URL_TEMPLATE",
            self.url + "/{repo_id}/resolve/{revision}/{filename}",
        )
        monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(home / "hub"))
        monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
        monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
        for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
            monkeypatch.delenv(name, raising=False)


def blob_id(data: bytes) -> str:
    """Git's object id for a file's contents, which the Hub gives as a small file's ETag."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def is_lfs(name: str) -> bool:
    return name.endswith(LFS_SUFFIXES)


def tree_entry(name: str, data: bytes) -> dict:
    entry = {"type": "file", "oid": blob_id(data), "size": len(data), "path": name}
    if is_lfs(name):
        sha256 = hashlib.sha256(data).hexdigest()
        entry["lfs"] = {"oid": sha256, "size": len(data), "pointerSize": 134}
    return entry


def handler_for(hub: FakeHub):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def do_HEAD(self):
            self.route(head=True)

        def do_GET(self):
            self.route(head=False)

        def route(self, *, head: bool) -> None:
            path = urlsplit(self.path).path
            with hub.lock:
                hub.requests.append((self.command, path))
            token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if token and token not in hub.tokens:
                return self.error(401, None, INVALID_TOKEN)
            if found := re.fullmatch(r"/api/models/([^/]+/[^/]+)/tree/([^/]+)(?:/.*)?", path):
                return self.tree(*map(unquote, found.groups()))
            if found := re.fullmatch(r"/api/models/([^/]+/[^/]+)(?:/revision/([^/]+))?", path):
                return self.info(unquote(found[1]), unquote(found[2] or "main"))
            if found := re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
                return self.resolve(*map(unquote, found.groups()), token=token, head=head)
            return self.error(404, None, "Not found", head=head)

        def repo_at(self, repo_id: str, revision: str, *, head: bool = False) -> Repo | None:
            with hub.lock:
                repo = hub.repos.get(repo_id)
            if repo is None:
                self.error(404, "RepoNotFound", "Repository not found", head=head)
            elif revision not in ("main", repo.commit):
                self.error(404, "RevisionNotFound", "Invalid rev id: " + revision, head=head)
                repo = None
            return repo

        def info(self, repo_id: str, revision: str) -> None:
            if (repo := self.repo_at(repo_id, revision)) is None:
                return
            self.json(
                {
                    "_id": repo.commit[:24],
                    "id": repo_id,
                    "modelId": repo_id,
                    "sha": repo.commit,
                    "private": False,
                    "gated": "manual" if repo.gated else False,
                    "disabled": False,
                    "tags": [],
                    "downloads": 0,
                    "likes": 0,
                    "siblings": [{"rfilename": name} for name in sorted(repo.files)],
                }
            )

        def tree(self, repo_id: str, revision: str) -> None:
            if (repo := self.repo_at(repo_id, revision)) is None:
                return
            self.json([tree_entry(name, data) for name, data in sorted(repo.files.items())])

        def resolve(self, repo_id, revision, filename, *, token: str, head: bool) -> None:
            if (repo := self.repo_at(repo_id, revision, head=head)) is None:
                return
            if repo.gated and repo_id not in hub.tokens.get(token, set()):
                return self.gated(repo_id, token=token, head=head)
            if filename not in repo.files:
                return self.error(404, "EntryNotFound", f"{filename} does not exist", head=head)
            data = repo.files[filename]
            headers = {"X-Repo-Commit": repo.commit, "ETag": f'"{blob_id(data)}"'}
            if is_lfs(filename):
                headers["X-Linked-Etag"] = f'"{hashlib.sha256(data).hexdigest()}"'
                headers["X-Linked-Size"] = str(len(data))
            if head:
                return self.send(200, headers | {"Content-Length": str(len(data))}, b"", head=True)
            if (repo_id, filename) in hub.truncate:
                data = data[: len(data) // 2]  # framed as a whole answer: only the size tells
            start = range_start(self.headers.get("Range"))
            if start:
                total = len(data)
                headers["Content-Range"] = f"bytes {start}-{total - 1}/{total}"
                return self.send(206, headers, data[start:])
            self.send(200, headers, data)

        def gated(self, repo_id: str, *, token: str, head: bool) -> None:
            if token:
                status, problem = 403, "is restricted and you are not in the authorized list"
            else:
                status, problem = (
                    401,
                    (
                        "is restricted. You must have access to it and be authenticated to access "
                        "it. Please log in"
                    ),
                )
            message = f"Access to model {repo_id} {problem}."
            self.error(status, "GatedRepo", message, head=head)

        def json(self, value) -> None:
            body = json.dumps(value).encode()
            self.send(200, {"Content-Type": "application/json"}, body)

        def error(self, status: int, code: str | None, message: str, *, head: bool = False) -> None:
            headers = {"Content-Type": "application/json", "X-Error-Message": message}
            if code:
                headers["X-Error-Code"] = code
            self.send(status, headers, json.dumps({"error": message}).encode(), head=head)

        def send(self, status: int, headers: dict, body: bytes, *, head: bool = False) -> None:
            self.send_response(status)
            headers.setdefault("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)

    return Handler


def range_start(header: str | None) -> int:
    found = re.fullmatch(r"bytes=(\d+)-", header or "")
    return int(found[1]) if found else 0
