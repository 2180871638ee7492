"""Shared pieces of the config models: strict mappings, ids, secrets from files or the environment."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import (BaseModel, ConfigDict, Field, SecretStr, model_validator)
from pydantic_core import PydanticCustomError

from newswatch.yamlconf import unknown_key_message


ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]


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


def _read_secret_file(path: str, key: str) -> str:
    try:
        return Path(os.path.expanduser(path)).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read {key} ({exc.strerror})") from None


def _secret_or_env(model, field: str, env_var: str) -> None:
    """Fill a secret from `<field>_file` or, when neither is given, from the environment."""
    file_value = getattr(model, f"{field}_file")
    if getattr(model, field) is not None and file_value is not None:
        raise ValueError(f"give '{field}' or '{field}_file', not both")
    if file_value is not None:
        object.__setattr__(model, field, SecretStr(_read_secret_file(file_value, f"{field}_file")))
    elif getattr(model, field) is None and os.environ.get(env_var):
        object.__setattr__(model, field, SecretStr(os.environ[env_var]))
