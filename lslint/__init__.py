"""lslint: a security and compliance linter for Amazon Lightsail."""

from __future__ import annotations

__version__ = "0.1.0"
