"""Build the platform's OCDS profile once, offline, and write it into the repository.

    PYTHONPATH=src .venv/bin/python scripts/ocds_profile_build.py [--check]

Reads only the vendored ZIPs (``src/zhengwu/contexts/disclosure/ocds/profile/vendor/``) through the
offline adapter (``scripts/ocds_offline.py``) and writes, next to them in ``ocds/profile/``:

- ``release-schema.json``: core 1.1.5 patched with the extensions of ``ocds.profile.EXTENSIONS``
  (ocdsextensionregistry's ProfileBuilder);
- ``versioned-release-validation-schema.json``: the versioned form of that patched schema, so record
  packages' ``versionedRelease`` is checked with the extension fields too;
- ``release-package-schema.json`` and ``record-package-schema.json``: the standard's own files,
  unchanged (their ``$ref``s name the standard's URLs; the validators answer them with the files above).

``--check`` writes nothing and exits 1 if a committed file differs from what the build gives.
Development-time only: the running platform never imports ocdsextensionregistry.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ocds_offline

from zhengwu.contexts.disclosure.ocds.profile import (
    EXTENSIONS,
    PROFILE_DIR,
    RECORD_PACKAGE_SCHEMA,
    RELEASE_PACKAGE_SCHEMA,
    RELEASE_SCHEMA,
    STANDARD_TAG,
    VERSIONED_RELEASE_SCHEMA,
)


def _dumps(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def build() -> dict[str, str]:
    """The profile's files by name, as text."""
    ocds_offline.install()
    from ocdsextensionregistry import ProfileBuilder
    from ocdsextensionregistry.versioned_release_schema import get_versioned_release_schema

    builder = ProfileBuilder(STANDARD_TAG, list(EXTENSIONS))
    patched = builder.patched_release_schema()
    with warnings.catch_warnings():
        # "BidsStatistic/properties/value has unrecognized type ['number']": harmless, the field stays checked.
        warnings.simplefilter("ignore")
        versioned = get_versioned_release_schema(patched, STANDARD_TAG)
    return {
        RELEASE_SCHEMA: _dumps(patched),
        VERSIONED_RELEASE_SCHEMA: _dumps(versioned),
        RELEASE_PACKAGE_SCHEMA: _dumps(json.loads(builder.get_standard_file_contents(RELEASE_PACKAGE_SCHEMA))),
        RECORD_PACKAGE_SCHEMA: _dumps(json.loads(builder.get_standard_file_contents(RECORD_PACKAGE_SCHEMA))),
    }


def main() -> int:
    """Write (or, with ``--check``, compare) the profile; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args()
    files = build()
    differing = []
    for name, text in files.items():
        path = PROFILE_DIR / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                differing.append(name)
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(text.encode('utf-8')):,} bytes)")
    if differing:
        print(f"out of date: {', '.join(differing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
