"""When a failed Lightsail request is sent again, and how long lslint waits first.

lslint retries its requests itself instead of through botocore's retry handler: the policy is
then lslint's own, in one place, with its waits set per scan (``RetryPolicy``), and every retry
is counted by reason as it happens, for the progress line and the notes after a scan.

The decisions are those of the AWS SDKs' "standard" retry mode: throttling answers, the
transient server errors (500, 502, 503, 504, request timeouts) and failed or timed-out
connections are retried, with full-jitter exponential backoff; anything else (access denied, a
bad parameter, a malformed answer) fails at once, as sending it again cannot help.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import botocore.exceptions

T = TypeVar("T")

# Throttling error codes of the AWS APIs, as the AWS SDKs' standard retry mode lists them.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException"})
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
TOO_MANY_REQUESTS = 429

THROTTLED = "throttled"
SERVER_ERROR = "server error"
TIMED_OUT = "timed out"
CONNECTION_FAILED = "connection failed"


@dataclass(frozen=True)
class RetryPolicy:
    """How often a request is sent at most, and the waits between attempts.

    Before attempt ``n + 1`` lslint waits a random time between 0 and
    ``min(base * 2 ** (n - 1), max_delay)`` seconds, where ``base`` is ``throttling_base``
    after a throttling answer and ``other_base`` after any other retryable failure.
    The defaults ride out a throttling burst of about half a minute (six attempts, waits
    capped at 20 s), which a scheduled audit should wait for rather than fail on.
    """

    max_attempts: int = 6
    throttling_base: float = 1.0
    other_base: float = 0.05
    max_delay: float = 20.0

    def delay(self, reason: str, attempt: int, draw: Callable[[], float]) -> float:
        """The wait after failed attempt ``attempt`` (1 for the first) failed for ``reason``."""
        base = self.throttling_base if reason == THROTTLED else self.other_base
        return draw() * min(base * 2.0 ** (attempt - 1), self.max_delay)


# The policy of live scans that name none. (Tests shorten its waits.)
DEFAULT_POLICY = RetryPolicy()


class RetriesExhausted(Exception):
    """A request that failed for a retryable reason on every one of its attempts."""

    def __init__(self, cause: Exception, attempts: int) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.attempts = attempts


def retry_reason(exc: BaseException) -> str | None:
    """Why a request failed, in a few words, if sending it again may succeed; else ``None``."""
    if isinstance(exc, (botocore.exceptions.ReadTimeoutError,
                        botocore.exceptions.ConnectTimeoutError)):  # fmt: skip
        return TIMED_OUT
    if isinstance(exc, (botocore.exceptions.ConnectionError,
                        botocore.exceptions.HTTPClientError)):  # fmt: skip
        return CONNECTION_FAILED
    if not isinstance(exc, botocore.exceptions.ClientError):
        return None
    code = str(exc.response.get("Error", {}).get("Code") or "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in THROTTLING_CODES or status == TOO_MANY_REQUESTS:
        return THROTTLED
    if status in TRANSIENT_STATUSES:
        return SERVER_ERROR
    if code in TRANSIENT_CODES:
        return code
    return None


class Retrier:
    """Sends requests under one ``RetryPolicy`` and counts the retries by reason.

    One retrier may serve several threads at once: the counts are kept under a lock.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], object] = time.sleep,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy
        self.reasons: Counter[str] = Counter()
        self._sleep = sleep
        self._draw = draw
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.reasons.values())

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self.reasons)

    def call(self, request: Callable[[], T], on_retry: Callable[[], object] | None = None) -> T:
        """``request()``'s result, sending it again while it fails for a retryable reason.

        A failure that cannot be retried is raised as it is; a retryable one on the last
        attempt is raised as ``RetriesExhausted``. ``on_retry`` runs as each retry is sent.
        """
        attempt = 1
        while True:
            try:
                return request()
            except Exception as exc:
                reason = retry_reason(exc)
                if reason is None:
                    raise
                if attempt >= self.policy.max_attempts:
                    raise RetriesExhausted(exc, attempt) from exc
            self._sleep(self.policy.delay(reason, attempt, self._draw))
            attempt += 1
            with self._lock:
                self.reasons[reason] += 1
            if on_retry is not None:
                on_retry()
