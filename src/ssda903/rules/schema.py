"""The declared schema of a rule file: every key, its type and what it means.

A rule file (``catalogue/<CODE>.yaml``) is checked against these models when the
rules load, so a misspelt or unknown key (``valid_form:``) is an error that names
the file and the key, never a key silently ignored. The same models give the JSON
Schema published at ``docs/rule-schema.json`` (``ssda903 catalogue`` writes it; CI
fails when it is stale), for editors that validate YAML as it is typed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["ExampleSpec", "QuerySpec", "RuleSpec", "ValidationError", "VariantSpec", "json_schema"]

#: A parameter value: a code, a number, a flag, a date, or a list of codes.
ParamValue = str | int | float | bool | dt.date | list[str]

#: Text left in by ``ssda903 new-rule`` that a finished rule file must not keep.
PLACEHOLDER = "TODO"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuerySpec(_Strict):
    """How the failing rows are found: DuckDB SQL, or a template from ``rules/templates.py``."""

    sql: str | None = Field(
        None,
        description="DuckDB SQL selecting the failing rows' _id. `{{name}}` stands for a parameter "
        "from `params`, written into the SQL as a literal (a list becomes ('A', 'B')).",
    )
    template: str | None = Field(
        None, description="The name of a template in rules/templates.py; `params` are its arguments."
    )


class ExampleSpec(_Strict):
    """A named case run by tests/rules/test_examples.py: input rows and the rows that must fail."""

    name: str = Field(
        description="What the case shows, starting passes_ or fails_ (e.g. fails_when_episodes_overlap).",
        pattern=r"^(passes|fails)_[a-z0-9_]+$",
    )
    year: str | int | None = Field(None, description="Collection year (default: the last year the rule is valid).")
    current: dict[str, list[dict[str, Any]] | None] = Field(
        default_factory=dict, description="This year's tables: table name to rows (column to text)."
    )
    previous: dict[str, list[dict[str, Any]] | None] | None = Field(
        None, description="Last year's tables, when the rule compares years."
    )
    fails: list[str] = Field(
        default_factory=list, description="The rows that must fail: 'Table N' or 'previous Table N' (0-based)."
    )
    la: str | None = Field(None, description="The responsible LA's ONS code (default E09000027).")
    providers: list[dict[str, Any]] | None = Field(None, description="An Ofsted provider list, as rows.")


class _Common(_Strict):
    """Keys a rule and its variants share (a variant overrides what it gives)."""

    message: str | None = Field(None, description="The DfE's message, word for word.")
    why: str | None = Field(None, description="One paragraph: what the DfE checks and why, in our words.")
    community_difference: str | None = Field(
        None,
        description="One sentence: why results differ from the community validator on purpose "
        "(from the DfE logic or a named defect of theirs). Absent when they agree.",
    )
    stage: Literal[1, 2] | None = Field(None, description="DfE stage: 1 item-level, 2 logical (default 2).")
    severity: Literal["error", "query"] | None = Field(
        None, description="`error`, or `query` for the DfE's 'please check' rules."
    )
    tables: list[str] | None = Field(None, description="The tables whose rows it reports.")
    fields: list[str] | None = Field(None, description="The columns it reads (checked against the SQL by a test).")
    optional: list[str] | None = Field(
        None,
        description="Tables it reads if supplied ('AD1', 'previous.Episodes'); without them it still runs.",
    )
    exact_codes: list[str] | None = Field(
        None,
        description="Code columns this rule checks against the year's list, which the DfE compares exactly as "
        "written: a code with spaces around it or in the wrong case ('c1') fails here too, with a message saying "
        "what to write. The code_in_list template sets it for its column.",
    )
    params: dict[str, ParamValue | None] | None = Field(
        None,
        description="Values the SQL uses as {{name}} (code lists, exemption lists, cut-off dates) or a template's "
        "arguments. A variant gives only the parameters that changed.",
    )
    query: QuerySpec | None = Field(None, description="The SQL or template. A variant without one reuses the rule's.")
    examples: list[ExampleSpec] = Field(default_factory=list, description="Named passing and failing cases.")


class VariantSpec(_Common):
    """A dated amendment inside the rule's own file: the keys it gives replace the rule's."""

    name: str = Field(description="A short name for what changed (e.g. sex_recoded).", pattern=r"^[a-z0-9_]+$")
    valid_from: str | int | None = Field(None, description="First collection year of the variant.")
    valid_until: str | int | None = Field(None, description="Last collection year of the variant.")


class RuleSpec(_Common):
    """One DfE rule: the file ``catalogue/<code>.yaml``."""

    code: str = Field(description="The DfE rule code; the file name is the code.")
    message: str = Field(description="The DfE's message, word for word.")  # type: ignore[assignment]
    why: str = Field(description="One paragraph: what the DfE checks and why, in our words.")  # type: ignore[assignment]
    valid_from: str | int | None = Field(None, description="First collection year (default 2022/23).")
    valid_until: str | int | None = Field(None, description="Last collection year (default: still valid).")
    aliases: list[str] = Field(default_factory=list, description="Old codes of a renamed or split rule.")
    variants: list[VariantSpec] = Field(default_factory=list, description="Dated amendments.")


def json_schema() -> str:
    """The JSON Schema of a rule file, as published in docs/rule-schema.json."""
    schema = RuleSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ssda903 rule file"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
