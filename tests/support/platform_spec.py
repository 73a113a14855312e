"""Codat's Platform spec as the conformance runs read it: its known mistakes corrected, and the operations
ledgerlink implements (the Platform run fuzzes them; the run over Codat's other specs leaves them out)."""

from __future__ import annotations

from typing import Any

import yaml

from ledgerlink.kit.pagination import MAX_PAGE_SIZE
from tests.support import specs

SPEC_PATH = specs.CODAT / "Codat-Platform.yaml"

# Push history, one push operation and push options: real ids are those of a company of their own whose
# Accounting Sandbox is Linked and has been written to once (the shared company's connection stays
# PendingAuth).
PUSH_OPERATIONS = (
    "get-company-push-history",
    "get-push-operation",
    "get-create-update-model-options-by-data-type",
)

IMPLEMENTED_OPERATIONS = [
    "list-companies",
    "create-company",
    "get-company",
    "delete-company",
    "replace-company",
    "update-company",
    "list-connections",
    "create-connection",
    "get-connection",
    "delete-connection",
    "unlink-connection",
    "update-connection-authorization",
    "get-company-access-token",
    "get-company-syncSettings",
    "set-company-syncSettings",
    "get-connection-management-access-token",
    "get-connection-management-cors-settings",
    "set-connection-management-cors-settings",
    "get-cors-settings",
    "set-cors-settings",
    "list-integrations",
    "get-integration",
    "get-integrations-branding",
    "get-profile",
    "update-profile",
    "get-profile-syncSettings",
    "update-profile-syncSettings",
    "list-api-keys",
    "create-api-key",
    "delete-api-key",
    "refresh-company-data",
    "refresh-data-type",
    "get-company-data-status",
    "list-pull-operations",
    "get-pull-operation",
    "list-webhook-consumers",
    "create-webhook-consumer",
    "delete-webhook-consumer",
    *PUSH_OPERATIONS,
]


def load_spec() -> dict[str, Any]:
    """Codat's spec, with its known mistakes that concern the operations tested here corrected."""
    with SPEC_PATH.open(encoding="utf-8") as file:
        spec = yaml.load(file, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    # Spec bug: `components.schemas.Integration.definitions.dataTypeFeature.required` lists
    # "datatype", but the property it defines (and that Codat returns, and the official SDKs read)
    # is `dataType`; the misspelt name would make every integration fail validation.
    feature = spec["components"]["schemas"]["Integration"]["definitions"]["dataTypeFeature"]
    assert feature["required"] == ["datatype", "supportedFeatures"], "spec changed: revisit this fix"
    feature["required"] = ["dataType", "supportedFeatures"]
    # Spec bug: `paths./apiKeys/{apiKeyId}.delete.responses.204` is a `$ref` to
    # `#/components/responses/Too-Many-Requests` (an `ErrorMessage` JSON body), but a 204 has no
    # body by definition, and Codat answers a deleted key with an empty 204 like every other delete.
    no_content = spec["paths"]["/apiKeys/{apiKeyId}"]["delete"]["responses"]
    assert no_content["204"].get("$ref") == "#/components/responses/Too-Many-Requests", "spec changed"
    no_content["204"] = {"description": "No Content"}
    # Spec inconsistency: `PagingInfo.pageSize` says `maximum: 2000`, but the `pageSize` parameter every
    # list takes says `maximum: 5000` (and so does Codat's paging documentation), and a page echoes the
    # size asked for. ledgerlink allows what the parameter allows (`kit.pagination.MAX_PAGE_SIZE`): the
    # envelope's maximum follows the parameter's, or `pageSize=4447` would fail a conformant answer.
    assert spec["components"]["parameters"]["pageSize"]["schema"]["maximum"] == MAX_PAGE_SIZE, "spec changed"
    paging = spec["components"]["schemas"]["PagingInfo"]["properties"]["pageSize"]
    assert paging["maximum"] == 2000, "spec changed: revisit this fix"
    paging["maximum"] = MAX_PAGE_SIZE
    return spec
