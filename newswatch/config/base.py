"""Shared pieces of the config models: strict mappings, ids, secrets from files or the environment."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from newswatch.config.yamlconf import unknown_key_message


ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]

# Validation context (load_config): {"base_dir": the config file's folder, "dry_run": bool}.
DRY_RUN_SECRET = "unset-in-a-dry-run"   # what an unset ${VAR} reads as in a dry run


def is_dry_run(info: ValidationInfo | None) -> bool:
    """A dry run (classify, test-rule, alerts, status, silence) sends and polls nothing:
    secrets may be missing, and their placeholders pass every check."""
    return bool(info is not None and info.context and info.context.get("dry_run"))


def dry_run_placeholder(value: object, info: ValidationInfo | None) -> bool:
    """True for a value made of an unset ${VAR} in a dry run: no format check applies to it."""
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    return is_dry_run(info) and isinstance(raw, str) and DRY_RUN_SECRET in raw


def _resolve_file(value: str, info: ValidationInfo) -> str:
    """A relative path is relative to the config file's folder (like `path`, `template`, `rules`)."""
    path = Path(os.path.expanduser(value))
    base = info.context.get("base_dir") if info.context else None
    if base is not None and not path.is_absolute():
        path = Path(base) / path
    return str(path.absolute())


# A `*_file` key: stored as an absolute path, resolved against the config file's folder.
ConfigFile = Annotated[str, AfterValidator(_resolve_file)]


class StrictModel(BaseModel):
    """Unknown keys are errors that name the key and list what is allowed."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise PydanticCustomError("not_mapping", "expected a mapping of keys to values")
        allowed = {f.alias or name for name, f in cls.model_fields.items()}
        unknown = [k for k in data if k not in allowed]
        if unknown:
            raise PydanticCustomError("unknown_key", "{message}",
                                      {"key": unknown[0], "message": unknown_key_message(unknown[0], sorted(allowed))})
        return data


def _read_secret_file(path: str, key: str, info: ValidationInfo | None = None) -> str:
    """The secret in `path` (already absolute: ConfigFile); the error names the key and the path tried.
    In a dry run an unreadable file reads as DRY_RUN_SECRET."""
    try:
        return Path(os.path.expanduser(path)).read_text(encoding="utf-8").strip()
    except OSError as exc:
        if is_dry_run(info):
            return DRY_RUN_SECRET
        raise ValueError(f"cannot read {key} {Path(path).absolute()} ({exc.strerror})") from None


def _secret_or_env(model: BaseModel, field: str, env_var: str, info: ValidationInfo | None = None) -> None:
    """Fill a secret from `<field>_file` or, when neither is given, from the environment."""
    file_value = getattr(model, f"{field}_file")
    if getattr(model, field) is not None and file_value is not None:
        raise ValueError(f"give '{field}' or '{field}_file', not both")
    if file_value is not None:
        object.__setattr__(model, field, SecretStr(_read_secret_file(file_value, f"{field}_file", info)))
    elif getattr(model, field) is None and os.environ.get(env_var):
        object.__setattr__(model, field, SecretStr(os.environ[env_var]))
