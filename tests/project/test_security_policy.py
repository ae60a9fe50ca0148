"""SECURITY.md exists, is linked from the README and covers what a security gate must state."""

from __future__ import annotations

import re

from conftest import ROOT

POLICY = ROOT / "SECURITY.md"


def sections() -> list[str]:
    return re.findall(r"^#{2,3} (.+)$", POLICY.read_text(encoding="utf-8"), flags=re.MULTILINE)


def test_the_readme_links_the_security_policy() -> None:
    assert "](SECURITY.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_policy_states_the_threat_model_and_a_private_channel() -> None:
    assert sections() == [
        "Reporting a vulnerability",
        "Threat model",
        "Untrusted resource data",
        "Untrusted rule packs and configuration",
        "Credentials and CI tokens",
        "Output paths",
    ]
    text = POLICY.read_text(encoding="utf-8")
    assert "private vulnerability reporting" in text
    assert "do **not** open a public issue" in text


def test_the_policy_names_the_files_it_promises_about() -> None:
    text = POLICY.read_text(encoding="utf-8")
    for option in ("-o", "--report FORMAT=PATH", "--snapshot", "--write-baseline", "--rules"):
        assert f"`{option}`" in text, option
    assert "[docs/rules.md](docs/rules.md)" in text and (ROOT / "docs" / "rules.md").exists()
