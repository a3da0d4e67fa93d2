"""Write the API contract the app serves to api/openapi.json.

Run after changing any route or request/response struct:

    python scripts/export_openapi.py

tests/api/test_openapi.py fails while the committed file differs from the served schema.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gigstation.application import create_app
from gigstation.platform.config import Settings

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "api" / "openapi.json"

# The schema does not depend on the database: any URL lets the factory build the app,
# which is never started here.
_PLACEHOLDER_URL = "postgresql://localhost/gigstation-schema-export"


def build_schema() -> dict[str, Any]:
    """The OpenAPI document exactly as GET /schema/openapi.json serves it."""
    app = create_app(Settings.from_env({}, database_url=_PLACEHOLDER_URL))
    schema: dict[str, Any] = app.openapi_schema.to_schema()
    # Round-trip through JSON so the file holds what a client would receive.
    return dict(json.loads(json.dumps(schema, default=str)))


def render(schema: dict[str, Any]) -> str:
    """The committed text form: sorted keys, two-space indent, Chinese kept readable."""
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if api/openapi.json is out of date")
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    text = render(build_schema())
    if args.check:
        current = args.output.read_text("utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run: python scripts/export_openapi.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, "utf-8")
    print(f"wrote {args.output} ({len(schema_paths(text))} paths)")
    return 0


def schema_paths(text: str) -> list[str]:
    """The paths in a rendered schema (for the summary line)."""
    return sorted(json.loads(text).get("paths", {}))


if __name__ == "__main__":
    sys.exit(main())
