"""List Lightsail resources from AWS: every kind, every page, every requested region.

This is the only module that imports boto3, and it is imported only for live scans, so
``lslint --version`` and offline scans start without loading the AWS SDK.

Every kind of every region is listed in parallel: one page chain per kind and region, all
under one concurrency limit (each kind's operation, answer key and fixed parameters come from
``RESOURCE_KINDS``); a region's client and retry log are shared by its kinds' threads. The
fetch fails closed: a kind that cannot be listed completely in a region (after lslint's
retries) becomes a ``ScanError`` naming the kind and the region, and none of its partial pages
are scanned; the other kinds and regions are still listed. "Zero instances" and "could not
list" are never confused.

Answers are not trusted: a body that is not a JSON object, invalid UTF-8, a number beyond a
float, deep nesting, a page token that is not a string, or a page chain that
never ends is an error of that region, never of the whole scan. Endpoint and proxy URLs in
messages lose their user information and query values, so a password in
``AWS_ENDPOINT_URL_LIGHTSAIL`` never reaches a report, a snapshot or the terminal.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, partial
from typing import TYPE_CHECKING, Any

import boto3
import botocore.config
import botocore.exceptions
import botocore.parsers
import botocore.session
import botocore.utils
from pydantic import TypeAdapter, ValidationError

from lslint.errors import ConfigError
from lslint.findings import ScanError
from lslint.inputs import LIMIT_VARIABLE, MIB, format_size, size_limit
from lslint.inventory import LIVE_LABEL, Inventory, Resource
from lslint.jsontext import json_kind
from lslint.models import RESOURCE_KINDS, LightsailResource, ResourceKind, stated_kind
from lslint.progress import Progress
from lslint.redact import redact
from lslint.sources import retry
from lslint.sources.retry import Retrier, RetriesExhausted, RetryPolicy
from lslint.sources.tasks import Task, run_all
from lslint.suggest import suggest
from lslint.wording import a_or_an, plural

if TYPE_CHECKING:
    from mypy_boto3_lightsail import LightsailClient

# Retries are lslint's own (lslint/sources/retry.py): botocore sends each request once. The
# number of attempts set for every AWS tool (AWS_MAX_ATTEMPTS, or max_attempts in the AWS
# profile) wins over the policy's default.
# Timeouts: a Lightsail endpoint that does not accept a connection in 5 s is unreachable, and
# a page of resources comes back in well under a second, so 30 s only cuts off a stuck read.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
# Every kind of all of Lightsail's ~20 regions in flight at once: wall time is the slowest
# kind-and-region page chain.
MAX_CONCURRENCY = 160
# Connections each region's client keeps open for reuse (botocore's default; more when more
# kinds are listed): at least one per kind, since all of a region's kinds are in flight on its
# client at once. With fewer, urllib3 would open a connection for each request beyond the pool
# and close it afterwards, so pages would pay a new connection (and TLS handshake) each.
MIN_POOL_CONNECTIONS = 10
# Page chains: a region of 10,000 pages holds far more resources of a kind than an account may
# have, so a longer chain is a server that keeps returning new page tokens, not a large fleet.
MAX_PAGES = 10_000
# Lightsail answers nest about 6 levels; far deeper is not an answer (and no snapshot reader
# should have to take it).
MAX_ANSWER_DEPTH = 100
# One answer's body: a page of resources is well under a megabyte, and a whole account's
# snapshot under 200 MiB, so a larger answer is not a page (it would take gigabytes to parse).
# LSLINT_MAX_INPUT_BYTES, which sets the limit of every input, sets this one too.
MAX_ANSWER_BYTES = 256 * MIB
# Text from an error answer kept in a ScanError: enough for any real AWS message.
MAX_MESSAGE = 500


# Error codes with which AWS refuses an action the credentials' policies do not allow.
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
# Error codes with which AWS says the credentials expired, and botocore's errors for an SSO
# login that expired while credentials were refreshed: true of every kind and region.
EXPIRED_CODES = frozenset(
    {
        "ExpiredTokenException",
        "ExpiredToken",
        "SSOTokenLoadError",
        "UnauthorizedSSOTokenError",
        "TokenRetrievalError",
    }
)
# The regions that answer GetRegions, in this order, when the home region cannot (see
# ``_regions_endpoint``): long-standing ones that every account has enabled, never an opt-in one.
REGIONS_FALLBACK = ("us-east-1", "us-west-2", "eu-west-1")


@dataclass
class Listing:
    """The resources of one kind in one region, as far as they were listed."""

    region: str
    kind: ResourceKind
    raw: list[dict[str, Any]] = field(default_factory=list)  # as the API returned them
    resources: list[Resource] = field(default_factory=list)
    arns: dict[str, int] = field(default_factory=dict)  # each resource's place in the listing
    pages: int = 0
    error: ScanError | None = None
    unused_as: str = "scanned"  # what the partial pages of a failed listing are not


def client_config(kinds: int = len(RESOURCE_KINDS)) -> botocore.config.Config:
    """The configuration of the clients of a fetch listing ``kinds`` kinds in each region."""
    return botocore.config.Config(
        retries={"mode": "standard", "total_max_attempts": 1},  # lslint retries (see above)
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        user_agent_extra="lslint",
        max_pool_connections=max(MIN_POOL_CONNECTIONS, kinds),
    )


class AwsSource:
    """A Source that lists every kind of resource in ``RESOURCE_KINDS`` from the Lightsail API."""

    def __init__(
        self,
        regions: Sequence[str] = (),
        *,
        all_regions: bool = False,
        exclude: Sequence[str] = (),
        profile: str | None = None,
        concurrency: int = MAX_CONCURRENCY,
        progress: Callable[[Progress], None] | None = None,
        origins: Mapping[str, str] | None = None,
        max_pages: int | None = None,
        kinds: Sequence[str] = (),
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        """``origins`` says where a region or kind name was given (e.g. a config file's line),
        so an unknown name is reported there. A region with more than ``max_pages`` pages (default
        ``MAX_PAGES``) is an error. ``kinds`` names the kinds to list (default: every kind).
        ``retry_policy`` defaults to ``retry.DEFAULT_POLICY``; the number of attempts set in
        the AWS configuration (``AWS_MAX_ATTEMPTS``, a profile's ``max_attempts``) wins."""
        self.requested = list(dict.fromkeys(regions))
        self.all_regions = all_regions
        self.excluded = list(dict.fromkeys(exclude))
        self.profile = profile
        self.concurrency = max(1, concurrency)
        self.progress = progress
        self.origins = dict(origins or {})
        self.max_pages = max(1, max_pages if max_pages is not None else MAX_PAGES)
        self.kinds = _chosen_kinds(kinds, self.origins)
        self.retry_policy = retry_policy
        self.fetched: list[Listing] = []
        self.retries: dict[str, dict[str, int]] = {}
        self._region_count = 0
        self._rejected = threading.Event()  # AWS said the credentials expired
        # What a listing's partial pages are not used for: a scan's findings, a fetch's file.
        self.unused_as = "scanned"

    @property
    def kind_names(self) -> frozenset[str]:
        return frozenset(kind.name for kind in self.kinds)

    @property
    def regions(self) -> list[str]:
        return list(dict.fromkeys(f.region for f in self.fetched))

    @property
    def raw_resources(self) -> dict[str, list[dict[str, Any]]]:
        """Each kind's resources as the API returned them, by kind name, from the regions
        where the kind was listed completely."""
        listed: dict[str, list[dict[str, Any]]] = {kind.name: [] for kind in self.kinds}
        for fetch in self.fetched:
            if fetch.error is None:
                listed[fetch.kind.name].extend(fetch.raw)
        return listed

    def counts(self, inventory: Inventory) -> dict[str, int]:
        """How many resources of each kind listed ``inventory`` holds, zeros included."""
        counted = dict.fromkeys((kind.name for kind in self.kinds), 0)
        for resource in inventory.resources:
            counted[resource.kind.name] += 1
        return counted

    def collect(self) -> Inventory:
        self._rejected = threading.Event()  # each collection starts with credentials unrefused
        core = botocore.session.Session()
        session = self._session(core)
        clients = _Clients(session, client_config(len(self.kinds)), self._policy(core))
        regions, errors = self._regions(clients, _home_region(core))
        _stop_if_rejected(errors)
        self._region_count = len(regions)
        self.fetched = self._fetch_all(clients, regions)
        _refuse_repeats(self.fetched)
        self.retries = {region: log.counts() for region, log in clients.logs.items() if log.total}
        _stop_if_rejected(fetch.error for fetch in self.fetched if fetch.error is not None)
        # Every kind asked for was listed, or is named by the error of a region that failed.
        inventory = Inventory(errors=errors, listed={LIVE_LABEL: self.kind_names})
        for fetch in self.fetched:
            if fetch.error is not None:
                inventory.errors.append(fetch.error)
            else:
                inventory.resources.extend(fetch.resources)
        return inventory

    def _fetch_all(self, clients: _Clients, regions: list[str]) -> list[Listing]:
        # Clients not made yet are made here, before any listing starts: client creation is CPU
        # work that would otherwise compete with the listing threads for the interpreter lock.
        made = {region: clients.get(region) for region in regions}
        fetches = [
            _RegionFetch(
                region,
                [Listing(region, kind, unused_as=self.unused_as) for kind in self.kinds],
                clients.logs[region],
            )
            for region in regions
        ]
        # Kind by kind across the regions, so that a low limit still reaches every region early.
        chains = [
            partial(self._fetch_kind, fetch, fetch.listings[index], made[fetch.region])
            for index in range(len(self.kinds))
            for fetch in fetches
        ]
        run_all(chains, self.concurrency)
        return [listing for fetch in fetches for listing in fetch.listings]

    def _fetch_kind(self, region: _RegionFetch, listing: Listing, client: LightsailClient) -> None:
        """One kind's page chain in one region, on a thread of its own. Once AWS has said
        that the credentials expired, chains that have not started yet are not sent: the
        whole fetch fails with that one error (see ``_stop_if_rejected``)."""
        try:
            if not self._rejected.is_set():
                self._fetch(listing, client, region.retries, partial(self._report, region))
            if listing.error is not None and listing.error.code in EXPIRED_CODES:
                self._rejected.set()
        finally:
            with region.lock:  # counted and drawn at once: "done" is the region's last step
                region.finished += 1
                self._draw(region)

    def _policy(self, core: botocore.session.Session) -> RetryPolicy:
        policy = self.retry_policy or retry.DEFAULT_POLICY
        hint = "set AWS_MAX_ATTEMPTS or max_attempts in your AWS profile to 1 or more"
        try:
            attempts = core.get_config_variable("max_attempts")
        except ValueError as exc:  # not an integer
            raise ConfigError(f"AWS max_attempts is not a whole number: {exc}", hint=hint) from None
        if attempts is None:
            return policy
        if attempts < 1:
            raise ConfigError(
                f"AWS max_attempts is {attempts}: no request would be sent", hint=hint
            )
        return replace(policy, max_attempts=attempts)

    def _session(self, core: botocore.session.Session) -> boto3.session.Session:
        core.register_component("response_parser_factory", _RawJSONParserFactory())
        try:
            session = boto3.session.Session(botocore_session=core, profile_name=self.profile)
        except botocore.exceptions.ProfileNotFound as exc:
            profile = exc.kwargs.get("profile") or self.profile  # AWS_PROFILE when not given
            raise ConfigError(
                f"AWS profile '{profile}' not found",
                hint="list profiles with 'aws configure list-profiles'",
            ) from None
        except botocore.exceptions.BotoCoreError as exc:
            raise ConfigError(f"AWS configuration: {redact(str(exc))}") from None
        # Credentials from a role or SSO are fetched when first needed: resolved here, once,
        # a failure is one error rather than one per kind and region.
        try:
            credentials = session.get_credentials()
            if credentials is not None:
                credentials.get_frozen_credentials()
        except _SSO_TOKEN_ERRORS as exc:
            profile = self.profile or core.get_config_variable("profile")
            login = f"aws sso login --profile {profile}" if profile else "aws sso login"
            raise ConfigError(
                f"cannot load AWS credentials: {redact(str(exc))}", hint=f"run '{login}'"
            ) from None
        except botocore.exceptions.ClientError as exc:  # AssumeRole and the like
            raise _credentials_refused(core, exc) from None
        except botocore.exceptions.BotoCoreError as exc:
            raise ConfigError(f"cannot load AWS credentials: {redact(str(exc))}") from None
        if credentials is None:
            raise ConfigError(
                "no AWS credentials found",
                hint="run 'aws configure' or 'aws sso login', set AWS_PROFILE, or set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or scan a saved file with --input",
            )
        return session

    def _regions(
        self, clients: _Clients, home: tuple[str, str] | None
    ) -> tuple[list[str], list[ScanError]]:
        """The regions to list, and the error of GetRegions if it failed. ``home`` is the
        region of the environment or profile and where it was set (``_home_region``)."""
        known = clients.session.get_available_regions("lightsail")
        newer = "for a region newer than this installation, upgrade boto3"
        self._check_known(
            known, self.requested, f"'--all-regions' lists every region Lightsail offers; {newer}"
        )
        self._check_known(
            known, self.excluded, f"'aws lightsail get-regions' lists the region names; {newer}"
        )
        if self.requested:
            return self.requested, []
        if not self.all_regions:
            if not home:
                raise ConfigError(
                    "no AWS region configured",
                    hint="pass --region REGION or --all-regions, or set AWS_REGION, "
                    "AWS_DEFAULT_REGION or a region in your AWS profile",
                )
            _check_home(*home, known)
            return [home[0]], []
        ask = self._regions_endpoint(home[0] if home else None, known)
        asked = Task(
            partial(_call, clients.get(ask).get_regions, clients.logs[ask]),
            "lslint-get-regions",
        )
        # While GetRegions is in flight, make the clients of the regions botocore knows
        # (GetRegions names the same ones, give or take a new region): CPU work that every
        # region's first page would otherwise wait for. Only while waiting, never longer.
        for region in known:
            if asked.done():
                break
            clients.get(region)
        try:
            answer = asked.result()
        except _API_ERRORS as exc:
            return [], [_scan_error(ask, "GetRegions", exc)]
        except _Malformed as exc:
            return [], [_error("GetRegions", exc.code, exc.message, ask)]
        names, problems = _region_names(answer)
        errors = []
        if problems:
            errors.append(_error("GetRegions", "MalformedResponse", _listing(problems), ask))
        elif not names:
            errors.append(_error("GetRegions", "EmptyResponse", "no regions returned", ask))
        listed = [name for name in names if name not in self.excluded]
        if names and not listed and not errors:
            raise _all_excluded(names)  # listing nothing would pass the gate, unlooked
        return listed, errors

    def _regions_endpoint(self, home: str | None, known: Sequence[str]) -> str:
        """The region that answers GetRegions: the home region if Lightsail is there and it
        is not excluded, else the first of ``REGIONS_FALLBACK`` not excluded, else the first
        Lightsail region botocore knows that is not excluded."""
        for region in (home, *REGIONS_FALLBACK):
            if region and region not in self.excluded and (not known or region in known):
                return region
        usable = [region for region in known if region not in self.excluded]
        if not usable:
            raise _all_excluded(known)
        return usable[0]

    def _check_known(self, known: Sequence[str], regions: Sequence[str], hint: str) -> None:
        for region in regions:
            if known and region not in known:
                raise ConfigError(
                    f"'{region}' is not a Lightsail region" + suggest(region, known),
                    where=self.origins.get(region, ""),
                    hint=hint,
                )

    def _fetch(
        self, fetch: Listing, client: LightsailClient, retries: Retrier, on_page: Callable[[], None]
    ) -> None:
        """Every page of one kind in one region, or the error that stopped it. ``on_page``
        redraws the progress, also as each retry is sent."""
        kind, region = fetch.kind, fetch.region
        list_page = getattr(client, botocore.xform_name(kind.operation))
        key = kind.response_key
        seen: set[str] = set()
        token: str | None = None
        try:
            while True:
                params = {**kind.request, **({"pageToken": token} if token else {})}
                answer = _call(partial(list_page, **params), retries, on_page)
                page = answer.get(key)
                if not isinstance(page, list):
                    raise _Malformed(_not_a(f"'{key}'", page, "list", answer, key))
                fetch.pages += 1
                token = _next_token(answer)
                if token in seen:  # checked first: its page repeats resources listed before
                    raise _Malformed(
                        f"page token {_shown(token)} returned twice after {fetch.pages} pages",
                        code="RepeatedPageToken",
                    )
                # Validated as pages arrive, overlapping with the wait for the next page.
                _add_page(fetch, page)
                on_page()
                if token is None:
                    break
                if fetch.pages >= self.max_pages:
                    raise _Malformed(
                        f"more than {self.max_pages} pages: the API kept returning new page tokens",
                        code="TooManyPages",
                    )
                seen.add(token)
        except _API_ERRORS as exc:
            fetch.error = _scan_error(region, kind.operation, exc, fetch)
        except _Malformed as exc:
            fetch.error = _error(
                kind.operation, exc.code, _partial(exc.message, fetch), region, kind.name
            )

    def _report(self, region: _RegionFetch) -> None:
        """One region's progress: its kinds listed so far, together. Drawn under the region's
        lock, so that its steps arrive in order."""
        with region.lock:
            self._draw(region)

    def _draw(self, region: _RegionFetch) -> None:
        """``_report`` with the region's lock held; done when every kind's chain has ended."""
        if self.progress is not None:
            listings = region.listings
            self.progress(
                Progress(
                    region.region,
                    self._region_count,
                    sum(listing.pages for listing in listings),
                    sum(len(listing.raw) for listing in listings),
                    region.finished == len(listings),
                    any(listing.error is not None for listing in listings),
                    region.retries.total,
                    kind=self.kinds[0].name if len(self.kinds) == 1 else None,
                )
            )


def _home_region(core: botocore.session.Session) -> tuple[str, str] | None:
    """The region of the environment or the profile, and where it was set, in the order of
    the AWS CLI v2 and the SDKs: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's
    ``region``. (botocore alone reads AWS_DEFAULT_REGION before the profile, and never
    AWS_REGION.)"""
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = os.environ.get(variable, "").strip()
        if value:
            return value, variable
    region = core.get_scoped_config().get("region")
    if not isinstance(region, str) or not region.strip():
        return None
    profile = core.get_config_variable("profile")
    return region.strip(), f"AWS profile '{profile}'" if profile else "the default AWS profile"


def _check_home(region: str, origin: str, known: Sequence[str]) -> None:
    """Refuses a home region that is not a region name, or where Lightsail is not offered:
    a scan there could only fail, or pass having listed nothing."""
    hint = "pass --region REGION or --all-regions, or set the region in your AWS configuration"
    try:
        botocore.utils.validate_region_name(region)
    except botocore.exceptions.InvalidRegionError:
        raise ConfigError(
            f"{_shown(region)} (from {origin}) is not a valid region name", hint=hint
        ) from None
    if known and region not in known:
        raise ConfigError(
            f"'{region}' (from {origin}) is not a Lightsail region" + suggest(region, known),
            hint=hint,
        )


def _credentials_refused(
    core: botocore.session.Session, exc: botocore.exceptions.ClientError
) -> ConfigError:
    """The error for credentials that AWS refused to hand out (AssumeRole denied)."""
    code, message = _code_and_message(exc)
    operation = exc.operation_name
    role = core.get_scoped_config().get("role_arn") or os.environ.get("AWS_ROLE_ARN")
    if operation.startswith("AssumeRole") and isinstance(role, str):
        hint = f"the credentials need sts:AssumeRole on {role}, and its trust policy must allow it"
        if code in ACCESS_DENIED_CODES:
            return ConfigError(f"cannot assume the role {role}: {code}: {message}", hint=hint)
        return ConfigError(f"cannot assume the role {role}: {code}: {message}")
    return ConfigError(f"cannot load AWS credentials: {operation} {code}: {message}")


def _stop_if_rejected(errors: Iterable[ScanError]) -> None:
    """Fails the whole fetch, with one error, once AWS has said that the credentials expired:
    every other kind and region would fail the same way. (An invalid token can also mean an
    opt-in region the account has not enabled, so that stays an error of its region.)"""
    for error in errors:
        if error.code in EXPIRED_CODES:
            raise ConfigError(
                f"AWS refused the credentials: {error.region} {error.operation} {error.code}: "
                f"{error.message}",
                hint="get new credentials (run 'aws sso login', or set a new "
                "AWS_SESSION_TOKEN) and run lslint again",
            )


def _chosen_kinds(names: Sequence[str], origins: Mapping[str, str]) -> list[ResourceKind]:
    """The kinds named, in the table's order; every kind when none is named. ``origins``
    says where a name was given (a config file's line), so an unknown one is reported there."""
    for name in names:
        if name not in RESOURCE_KINDS:
            raise ConfigError(
                f"unknown resource kind '{name}'{suggest(name, RESOURCE_KINDS)}",
                where=origins.get(name, ""),
                hint=f"the kinds are {', '.join(RESOURCE_KINDS)}",
            )
    return [kind for kind in RESOURCE_KINDS.values() if not names or kind.name in names]


@dataclass
class _RegionFetch:
    """One region's listings, one per kind, shared by the threads that list its kinds."""

    region: str
    listings: list[Listing]
    retries: Retrier
    finished: int = 0  # kinds whose page chain has ended
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Clients:
    """One Lightsail client per region, all made from one session in the calling thread.

    Sessions are not thread-safe (clients are), so only the thread that owns this object
    makes clients; region threads only use them.
    """

    def __init__(
        self, session: boto3.session.Session, config: botocore.config.Config, policy: RetryPolicy
    ) -> None:
        self.session = session
        self.config = config
        self.policy = policy
        self.logs: dict[str, Retrier] = {}  # each region's retries, shared by its kinds
        self._made: dict[str, LightsailClient] = {}

    def get(self, region: str) -> LightsailClient:
        client = self._made.get(region)
        if client is None:
            client = self._make(region)
            self.logs[region] = Retrier(self.policy)
            self._made[region] = client
        return client

    def _make(self, region: str) -> LightsailClient:
        try:
            return self.session.client("lightsail", region_name=region, config=self.config)
        except botocore.exceptions.InvalidRegionError:
            raise ConfigError(
                f"{_shown(region)} is not a valid region name",
                hint="set the region with --region, AWS_REGION or your AWS profile",
            ) from None
        except (botocore.exceptions.BotoCoreError, ValueError) as exc:
            # The same for every region: a broken endpoint URL or setting, not a region's fault.
            raise ConfigError(
                f"cannot make a Lightsail client: {redact(str(exc))}",
                hint="check AWS_ENDPOINT_URL_LIGHTSAIL, AWS_ENDPOINT_URL and your AWS profile",
            ) from None


class _RawJSONParser(botocore.parsers.JSONParser):
    """Keeps JSON response bodies as the API sent them, once they are known to be sound.

    botocore's parser walks every member of the output shape in Python, converting timestamps
    and dropping members its model does not know yet. lslint validates resources with its own
    models, which keep unknown fields, so the walk would lose data and cost about half of each
    request's CPU time, which serialises the region threads on the interpreter lock.

    An answer that is not a sound JSON object raises ``_Malformed`` here, out of the client
    call, and fails that region. Error answers are read leniently instead: the region fails
    anyway, and what matters is a code and a message that botocore can handle.
    """

    def __init__(self, limit: int = MAX_ANSWER_BYTES) -> None:
        super().__init__()
        self.limit = limit

    def parse(self, response: Mapping[str, Any], shape: Any) -> Any:
        _check_length(response["headers"], response["body"], self.limit)
        return super().parse(response, shape)

    def _handle_json_body(self, raw_body: bytes, shape: Any) -> Any:
        return parse_answer(raw_body)

    def _parse_body_as_json(self, body_contents: bytes) -> Any:
        return _error_body(body_contents)

    def _do_error_parse(self, response: Any, shape: Any) -> Any:
        # The JSON protocols may name the error in the x-amzn-ErrorType header alone. botocore
        # reads only the body's __type and otherwise gives the HTTP status as the code, so a
        # throttle named only there would not be retried: the header fills that gap.
        error = super()._do_error_parse(response, shape)  # type: ignore[misc]  # not in the stubs
        named = response["headers"].get("x-amzn-ErrorType")
        if isinstance(named, str) and error["Error"]["Code"] == str(response.get("status_code")):
            code = named.split(":", 1)[0].rsplit("#", 1)[-1].strip()
            if code:
                error["Error"]["Code"] = code
        return error

    def _do_modeled_error_parse(self, response: Any, shape: Any) -> Any:
        # botocore merges these members into the parsed error; lslint reads none of them, and
        # an answer's "Error" or "ResponseMetadata" member must not replace botocore's own.
        return {}


class _RawJSONParserFactory(botocore.parsers.ResponseParserFactory):
    def __init__(self) -> None:
        super().__init__()
        self.limit = size_limit(MAX_ANSWER_BYTES)  # read once, in the calling thread

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            return _RawJSONParser(self.limit)
        return super().create_parser(protocol_name)


# What botocore raises when the SSO login is missing or has expired.
_SSO_TOKEN_ERRORS = (
    botocore.exceptions.SSOTokenLoadError,
    botocore.exceptions.UnauthorizedSSOTokenError,
    botocore.exceptions.TokenRetrievalError,
)

# What a failed API call raises, besides ``_Malformed``.
_API_ERRORS = (
    botocore.exceptions.BotoCoreError,
    botocore.exceptions.ClientError,
    RetriesExhausted,
)


class _Malformed(Exception):
    def __init__(self, message: str, code: str = "MalformedResponse") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ResponseCutShort(botocore.exceptions.HTTPClientError):
    """A body that ended before its Content-Length: the connection closed early. (botocore
    reads with urllib3's ``enforce_content_length=False``, so nothing else notices.) An
    ``HTTPClientError``, so it is retried like any other failed connection."""

    fmt = "the answer was cut short: {received} of {promised} bytes"


def _check_length(headers: Mapping[str, str], body: bytes, limit: int) -> None:
    """Raises ``ResponseCutShort`` for a body shorter than its Content-Length, and
    ``_Malformed`` for one larger than ``limit`` (refused before it is decoded and parsed)."""
    promised = _content_length(headers)
    size = max(len(body), promised or 0)
    if size > limit:
        raise _Malformed(
            f"response is {size} bytes, more than the {format_size(limit)} lslint reads from "
            f"one answer (set {LIMIT_VARIABLE} to change the limit)",
            code="ResponseTooLarge",
        )
    # A compressed body is measured before urllib3 decodes it: only a plain one is compared.
    if promised is not None and len(body) < promised and _plain(headers):
        raise ResponseCutShort(received=len(body), promised=promised)


def _content_length(headers: Mapping[str, str]) -> int | None:
    text = headers.get("content-length")
    if isinstance(text, str) and text.strip().isdigit():
        return int(text)
    return None


def _plain(headers: Mapping[str, str]) -> bool:
    encoding = headers.get("content-encoding")
    return not encoding or encoding.strip().lower() == "identity"


def parse_answer(body: bytes) -> dict[str, Any]:
    """A successful answer's body as a JSON object; ``_Malformed`` if it is not a sound one:
    invalid UTF-8 or JSON, a number beyond a float (which JSON output cannot hold), deep
    nesting, or a top-level key written twice. The top-level keys decide what was listed and
    whether paging goes on, so a second copy (``"instances": []`` after the list, or a null
    ``nextPageToken`` after the token) must not hide the first. A duplicate key deeper down is
    left to the last copy, as every JSON reader of AWS answers does: checking every object
    would cost a Python call each."""
    if not body:
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Malformed(f"response is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        answer = _decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise _Malformed(
            f"response is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except ValueError as exc:  # from the hooks below, or an integer beyond the digit limit
        raise _Malformed(f"response is not valid JSON: {exc}") from None
    except RecursionError:
        raise _Malformed("response is nested too deeply") from None
    if not isinstance(answer, dict):
        raise _Malformed(_not_a("response", answer, "JSON object"))
    repeated = _repeated_key(body, answer)
    if repeated is not None:
        raise _Malformed(f"key {_shown(repeated)} appears more than once in the response")
    if _deeper_than(answer, MAX_ANSWER_DEPTH):
        raise _Malformed(f"response is nested more than {MAX_ANSWER_DEPTH} levels deep")
    return answer


def _repeated_key(body: bytes, answer: dict[str, Any]) -> str | None:
    """A top-level key of ``answer`` that ``body`` writes more than once as a key (in the
    spelling JSON writers use). A key of the same name in a nested object counts too, which
    Lightsail's answers never have: it fails closed."""
    for key in answer:
        written = re.escape(json.dumps(key).encode()) + rb"\s*:"
        if len(re.findall(written, body)) > 1:
            return key
    return None


def _all_excluded(regions: Sequence[str]) -> ConfigError:
    return ConfigError(
        f"every region Lightsail offers is excluded ({', '.join(regions)})",
        hint="exclude fewer regions, or name the regions to list with --region",
    )


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 would become inf, which JSON cannot hold
        raise ValueError(f"number {_shown(text, 40)} is beyond the range of a float")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_decoder = json.JSONDecoder(parse_float=_finite, parse_constant=_refuse_constant)


def _deeper_than(value: Any, room: int) -> bool:
    """Whether objects and lists nest more than ``room`` levels below ``value``."""
    if type(value) is dict:
        value = value.values()
    elif type(value) is not list:
        return False
    if room == 0:
        return True
    for item in value:
        if (type(item) is dict or type(item) is list) and _deeper_than(item, room - 1):
            return True
    return False


def _error_body(body: bytes) -> dict[str, Any]:
    """An error answer's body for botocore: an object whose code and message, if any, are
    strings, whatever was sent."""
    text = body.decode("utf-8", "replace") if body else ""
    try:
        parsed = json.loads(text) if text else {}
    except (ValueError, RecursionError):
        return {"message": text}  # as botocore does: the text is the message
    if not isinstance(parsed, dict):
        return {"message": text}
    sound: dict[str, Any] = {}
    if isinstance(parsed.get("__type"), str):
        sound["__type"] = parsed["__type"]
    for key in ("message", "Message"):
        if key in parsed:
            sound[key] = _as_text(parsed[key])
    return sound


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except (ValueError, RecursionError):
        return f"({json_kind(value)})"


def _call(
    request: Callable[[], Any], retries: Retrier, on_retry: Callable[[], object] | None = None
) -> dict[str, Any]:
    """The answer of one API call, which must be an object, sent again while it fails for a
    retryable reason.

    An exception that is neither botocore's nor ``_Malformed`` means the SDK choked on an
    answer it did not expect; that fails the region that sent it, not the scan.
    """
    try:
        answer = retries.call(request, on_retry)
    except (*_API_ERRORS, _Malformed):
        raise
    except Exception as exc:  # noqa: BLE001 - see above; Ctrl-C is not an Exception
        raise _Malformed(
            f"unexpected {type(exc).__name__} reading the response: {_cut(redact(str(exc)))}",
            code="SDKError",
        ) from None
    if not isinstance(answer, dict):
        raise _Malformed(_not_a("response", answer, "JSON object"))
    return answer


def _next_token(answer: dict[str, Any]) -> str | None:
    token = answer.get("nextPageToken")
    if token is None or token == "":
        return None
    if not isinstance(token, str):
        raise _Malformed(_not_a("nextPageToken", token, "string"))
    return token


def _region_names(answer: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The region names of a GetRegions answer that botocore can make a client for (sorted,
    each once), and what is wrong with the other entries."""
    regions = answer.get("regions")
    if not isinstance(regions, list):
        return [], [_not_a("'regions'", regions, "list", answer, "regions")]
    names: set[str] = set()
    problems: list[str] = []
    for index, entry in enumerate(regions):
        where = f"regions[{index}]"
        if not isinstance(entry, dict):
            problems.append(_not_a(where, entry, "object"))
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            problems.append(_not_a(f"{where}.name", name, "region name", entry, "name"))
            continue
        try:
            botocore.utils.validate_region_name(name)
        except botocore.exceptions.InvalidRegionError:
            problems.append(f"{where}.name {_shown(name)} is not a valid region name")
            continue
        names.add(name)
    return sorted(names), problems


def _listing(problems: Sequence[str], shown: int = 3) -> str:
    text = "; ".join(problems[:shown])
    if len(problems) > shown:
        text += f"; and {len(problems) - shown} more"
    return text


def _not_a(
    what: str, value: Any, expected: str, parent: dict[str, Any] | None = None, key: str = ""
) -> str:
    """``what is a number, not a list``; ``what is missing`` if ``key`` is not in ``parent``."""
    if parent is not None and key not in parent:
        return f"{what} is missing"
    article = "an" if expected[0] in "aeiou" else "a"
    return f"{what} is {json_kind(value)}, not {article} {expected}"


def _shown(text: str, limit: int = 64) -> str:
    """``text`` quoted, cut to ``limit`` characters: answers choose their own lengths."""
    if len(text) > limit:
        return repr(text[:limit]) + f"... ({len(text)} characters)"
    return repr(text)


def _cut(text: str, limit: int = MAX_MESSAGE) -> str:
    if len(text) > limit:
        return f"{text[:limit]}... ({len(text) - limit} more characters)"
    return text


def _error(operation: str, code: str, message: str, region: str, kind: str = "") -> ScanError:
    """A ScanError of this source, with no secret in it."""
    return ScanError("aws", operation, _cut(redact(code), 100), redact(message), region, kind)


def _code_and_message(exc: botocore.exceptions.ClientError) -> tuple[str, str]:
    """An error answer's code and its message, redacted and cut to :data:`MAX_MESSAGE`."""
    error = exc.response.get("Error", {})
    return str(error.get("Code") or "ClientError"), _cut(redact(str(error.get("Message") or exc)))


def _scan_error(
    region: str, operation: str, exc: Exception, fetch: Listing | None = None
) -> ScanError:
    attempts = 1
    if isinstance(exc, RetriesExhausted):
        attempts, exc = exc.attempts, exc.cause
    if isinstance(exc, botocore.exceptions.ClientError):
        code, message = _code_and_message(exc)
        if exc.operation_name != operation:  # e.g. refreshing credentials with AssumeRole
            message += f" (from {exc.operation_name}, while getting AWS credentials)"
        elif code in ACCESS_DENIED_CODES:
            message += f" (needs the IAM permission lightsail:{operation}"
            if operation == "GetRegions":
                message += "; or name the regions to list with --region"
            elif fetch is not None:
                message += f"; or leave {fetch.kind.plural.replace('_', ' ')} out with --kind"
            message += ")"
    else:
        code = type(exc).__name__
        message = _cut(redact(str(exc)))
    if attempts > 1:  # say that lslint did not give up at the first failure
        message += f" (after {attempts} attempts)"
    if fetch is None:
        return _error(operation, code, message, region)
    return _error(operation, code, _partial(message, fetch), region, fetch.kind.name)


def _partial(message: str, fetch: Listing) -> str:
    if not fetch.pages:
        return message
    listed = len(fetch.raw)
    return (
        f"{message} (after {plural(fetch.pages, 'page')}; the "
        f"{fetch.kind.count(listed)} listed so far {'was' if listed == 1 else 'were'} "
        f"not {fetch.unused_as})"
    )


def _add_page(fetch: Listing, page: list[Any]) -> None:
    """Adds a page's resources to ``fetch``, validated in one call (a call per resource costs
    about a tenth more); ``_Malformed`` names the first invalid one, the first of another
    kind, or the first listed twice."""
    try:
        models = _page_validator(fetch.kind.model).validate_python(page)
    except ValidationError:
        # One by one, as far as they are valid: the error names the resource by its place in
        # the listing and says how many were listed before it.
        for raw in page:
            _admit(fetch, raw, _to_resource(fetch, raw))
        return
    for raw, model in zip(page, models, strict=True):
        _check_kind(fetch, raw)  # as _to_resource does before validating one by one
        _admit(fetch, raw, Resource(model))


@cache
def _page_validator(model: type[LightsailResource]) -> TypeAdapter[list[LightsailResource]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _to_resource(fetch: Listing, raw: Any) -> Resource:
    kind, index = fetch.kind, len(fetch.raw)
    if not isinstance(raw, dict):
        raise _Malformed(_not_a(f"{kind.label} {index}", raw, "object"))
    _check_kind(fetch, raw)  # first: another kind's fields would be judged as this kind's
    try:
        return Resource(kind.model.model_validate(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _Malformed(f"{kind.label} {index} has an invalid {where}: {first['msg']}") from None


def _admit(fetch: Listing, raw: dict[str, Any], resource: Resource) -> None:
    """Adds one valid resource of ``fetch``'s kind to it, unless it was listed before."""
    index, arn = len(fetch.raw), resource.arn
    if arn:
        first = fetch.arns.setdefault(arn, index)
        if first != index:
            # Pages are read from a list that changed between them: whatever moved past the
            # page boundary the other way was skipped, so the listing is not complete.
            raise _Malformed(
                f"{fetch.kind.label} {index} {_shown(arn, 200)} was listed before, as "
                f"{fetch.kind.label} {first}: the list changed while it was paged, so other "
                f"{fetch.kind.plural.replace('_', ' ')} may have been missed",
                code="RepeatedResource",
            )
    fetch.resources.append(resource)
    fetch.raw.append(dict(raw))


def _check_kind(fetch: Listing, raw: dict[str, Any]) -> None:
    """A resource whose resourceType names another kind would be judged by the wrong rules."""
    other = stated_kind(raw)
    if other is None or other.model is fetch.kind.model:
        return
    kind, index = fetch.kind, len(fetch.raw)
    named = raw.get("arn") or raw.get("name")
    entry = f" {_shown(named, 200)}" if isinstance(named, str) and named else ""
    raise _Malformed(
        f"{kind.label} {index}{entry} is {a_or_an(other.label)} (resourceType "
        f"{_shown(raw['resourceType'])}), not {a_or_an(kind.label)}: "
        f"{kind.operation} lists only "
        f"{kind.plural.replace('_', ' ')}"
    )


def _refuse_repeats(listings: list[Listing]) -> None:
    """Fails a complete listing that holds a resource another one (an earlier region, or
    kind) already listed. ARNs name their region, so this is an answer that cannot be true;
    which copy is cannot be told, so the resource is kept as first listed and the later
    listing is not scanned: no resource is scanned (or saved) twice."""
    owners: dict[str, Listing] = {}
    for listing in listings:
        if listing.error is not None:
            continue
        repeated = next((arn for arn in listing.arns if arn in owners), None)
        if repeated is None:
            owners.update(dict.fromkeys(listing.arns, listing))
            continue
        owner, kind = owners[repeated], listing.kind
        message = (
            f"{kind.label} {listing.arns[repeated]} {_shown(repeated, 200)} was listed "
            f"already, by {owner.kind.operation} in {owner.region}"
        )
        listing.error = _error(
            kind.operation, "RepeatedResource", _partial(message, listing), listing.region,
            kind.name,
        )  # fmt: skip
