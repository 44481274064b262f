"""A release source over the read API (`trackplan pull ... --from http://host/`)."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request

from registry.pull.fetch import PullError, PullInputError, ReleaseSource
from registry.release.artifacts import artifact_names


class HttpSource(ReleaseSource):
    """Releases served by `trackplan serve --registry` or the bot's /v1 API."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        base = url.rstrip("/")
        self.base = base[: -len("/v1")] if base.endswith("/v1") else base
        self.label = url
        self.timeout = timeout

    def _get(self, path: str) -> bytes:
        url = f"{self.base}/v1/{path}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return b""
            raise PullInputError(f"{url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise PullInputError(f"{url}: cannot connect ({exc})") from None

    def versions(self, plan: str) -> list[str]:
        body = self._get(f"plans/{urllib.parse.quote(plan)}/versions")
        if not body:
            return []
        try:
            versions = json.loads(body)["versions"]
        except (ValueError, KeyError, TypeError):
            raise PullInputError(f"{self.label}: not a trackplan read API") from None
        return [str(v) for v in versions]

    def artifacts(self, plan: str, version: str) -> dict[str, bytes]:
        names = artifact_names(plan, version)
        files = {}
        for kind, name in names.items():
            body = self._get(f"plans/{urllib.parse.quote(plan)}/versions/{version}?format={kind}")
            if not body:
                raise PullError(f"{self.label}: {plan} {version} has no {kind}")
            files[name] = body
        sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                       for name, data in sorted(files.items()))  # fmt: skip
        files["SHA256SUMS"] = sums.encode()
        return files
