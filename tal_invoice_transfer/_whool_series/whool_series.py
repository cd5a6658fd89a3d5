"""whool (OCA's wheel builder) with the Odoo series chosen when building.

The addon has one source for every Odoo series, so its manifest version is
``x.y.z`` (Odoo prefixes the series it runs). whool takes the series from the
manifest version; this build backend gives it the series and prefixes the
wheel's version with it, as OCA's wheels are named:
``odoo-addon-tal_invoice_transfer==18.0.1.3.0.N``, requiring ``odoo==18.0.*``
(``N``: the commits since the version changed, as whool counts them).

The series, the first one found of:

1. the build setting ``odoo_series``:
   ``pip wheel -C odoo_series=18.0 ./tal_invoice_transfer``;
2. the environment variable ``ODOO_SERIES`` (the scripts' setting):
   ``ODOO_SERIES=18.0 pip wheel ./tal_invoice_transfer``;
3. the series of the Odoo that the python building the wheel imports, so that
   ``pip install ./tal_invoice_transfer`` in an Odoo's environment makes the
   wheel of that Odoo;
4. ``odoo_series_override`` in ``[tool.whool]`` of ``pyproject.toml``.

Everything else is whool's (``requires`` pins the version this wraps: it
replaces whool's ``_get_metadata`` and leaves this folder out of the wheel).
A manifest version that starts with a series (``19.0.1.3.0``) is built for
that series only.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import whool.buildapi as _whool
from manifestoo_core.metadata import metadata_from_addon_dir

HERE = Path(__file__).resolve().parent
SERIES_RE = re.compile(r"^\d+\.0$")
PREFIXED_VERSION_RE = re.compile(r"^(\d+\.0)\.\d+\.\d+\.\d+")

_config_series = None


def _installed_odoo_series():
    """The series of the Odoo importable by this python outside pip's
    isolated build environment; None without one."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONNOUSERSITE", "PYTHONHOME")
    }
    try:
        out = subprocess.run(
            [sys.executable, "-c", "import odoo.release as r; print(r.series)"],
            cwd="/",
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    series = out.stdout.strip()
    return series if out.returncode == 0 and SERIES_RE.match(series) else None


def _series(options):
    for where, series in (
        ("the build setting odoo_series", _config_series),
        ("ODOO_SERIES", os.environ.get("ODOO_SERIES")),
        ("the Odoo this python imports", _installed_odoo_series()),
        ("odoo_series_override of pyproject.toml", options.get("odoo_series_override")),
    ):
        if series:
            if not SERIES_RE.match(series):
                raise ValueError(
                    f"{where}: {series!r} is not an Odoo series (e.g. 18.0)"
                )
            return series
    raise ValueError("no Odoo series: set ODOO_SERIES (e.g. ODOO_SERIES=18.0)")


def _get_metadata(addon_dir):
    pkg_info = addon_dir.joinpath("PKG-INFO")
    if pkg_info.exists():
        # an sdist: its metadata, series included, were made with it
        return metadata_from_addon_dir(
            addon_dir, {}, precomputed_metadata_file=pkg_info
        )
    options = dict(
        _whool.load_pyproject_toml(addon_dir).get("tool", {}).get("whool", {})
    )
    strategy = os.environ.get("WHOOL_POST_VERSION_STRATEGY_OVERRIDE")
    if strategy:
        options["post_version_strategy_override"] = strategy
    series = _series(options)
    options["odoo_series_override"] = series
    options.pop("odoo_version_override", None)
    metadata = metadata_from_addon_dir(addon_dir, options)
    version = metadata["Version"]
    prefixed = PREFIXED_VERSION_RE.match(version)
    if prefixed and prefixed.group(1) != series:
        manifest_series = prefixed.group(1)
        raise ValueError(
            f"manifest version {version}: for Odoo {manifest_series}, not {series}"
        )
    if not prefixed:
        metadata.replace_header("Version", f"{series}.{version}")
    return metadata


def _ensure_absent(paths, _whools=_whool._ensure_absent):
    # the wheel's copy of the addon: this folder is for building only
    _whools(paths)
    if paths:
        shutil.rmtree(paths[0].parent / HERE.name, ignore_errors=True)


_whool._get_metadata = _get_metadata
_whool._ensure_absent = _ensure_absent


def _with_settings(hook):
    def run(directory, config_settings=None, *args, **kwargs):
        global _config_series
        _config_series = (config_settings or {}).get("odoo_series")
        return hook(directory, config_settings, *args, **kwargs)

    run.__name__ = hook.__name__
    return run


build_wheel = _with_settings(_whool.build_wheel)
build_editable = _with_settings(_whool.build_editable)
prepare_metadata_for_build_wheel = _with_settings(
    _whool.prepare_metadata_for_build_wheel
)
prepare_metadata_for_build_editable = _with_settings(
    _whool.prepare_metadata_for_build_editable
)
build_sdist = _with_settings(_whool.build_sdist)
