"""Secrets never printed: endpoint and proxy URLs lose their user information and query.

Used wherever text that may quote a URL is shown: errors, reports, snapshots, the last-resort
"internal error" line. No AWS SDK import, so offline commands can use it too.
"""

from __future__ import annotations

import os
import re

# Endpoint and proxy settings whose user information or query may hold a secret.
ENDPOINT_VARIABLES = (
    "AWS_ENDPOINT_URL_LIGHTSAIL", "AWS_ENDPOINT_URL",
    "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
)  # fmt: skip
_URL = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s"'<>`]+""")
_NETLOC_END = re.compile(r"[/?#]")
REDACTED = "***"


def redact(text: str) -> str:
    """``text`` with the user information and query values of every URL in it replaced by
    ``***``, and any secret of the endpoint and proxy settings too (e.g. an endpoint so
    malformed that it is not a URL, which botocore quotes as it is)."""
    text = _URL.sub(lambda found: redact_url(found.group(0)), text)
    for secret in _configured_secrets():
        text = text.replace(secret, REDACTED)
    return text


def redact_url(url: str) -> str:
    """``url`` without its user information, query values and fragment."""
    scheme, _, rest = url.partition("://")
    end = _NETLOC_END.search(rest)
    netloc, tail = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")
    if "@" in netloc:  # the password may hold an unescaped '@': the host follows the last one
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    path, hash_mark, _ = tail.partition("#")
    path, question, query = path.partition("?")
    if query:
        fields = (item.partition("=") for item in query.split("&"))
        query = "&".join(f"{key}={REDACTED}" if eq else REDACTED for key, eq, _ in fields)
    return f"{scheme}://{netloc}{path}{question}{query}{hash_mark and '#' + REDACTED}"


def _configured_secrets() -> list[str]:
    """The parts of the endpoint and proxy settings that must never be printed, longest first
    (so that a password is not half-replaced inside its user information)."""
    secrets: set[str] = set()
    for name in ENDPOINT_VARIABLES:
        value = os.environ.get(name, "").strip()
        if not value:
            continue
        if "://" not in value:
            secrets.add(value)  # not a URL at all: the whole setting is unprintable
            continue
        rest = value.partition("://")[2]
        end = _NETLOC_END.search(rest)
        netloc = rest[: end.start()] if end else rest
        if "@" in netloc:
            userinfo = netloc.rpartition("@")[0]
            secrets.update({userinfo, userinfo.partition(":")[2]})
        query = rest.partition("?")[2].partition("#")[0]
        secrets.update(item.partition("=")[2] or item for item in query.split("&"))
    return sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True)
