"""What the double's gateway enforces of the contract: its routes, its query parameters and its
API key header.

The contract is read by the project's one reader (`apij.openapi`) and judged by the project's one
judge (`apij.judge`), as the face and the proxy judge it; what the double answers is decided by
its own code (`core.py`), never by the face's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from apij.judge import ContractJudge
from apij.openapi import Contract, Operation, effective

__all__ = ["GatewayRules", "default_rules", "gateway_rules"]


@dataclass(frozen=True)
class GatewayRules:
    """The parts of the contract the double enforces, compiled once."""

    judge: ContractJudge
    api_key_header: str

    def match(self, path: str) -> tuple[str, Mapping[str, Operation]] | None:
        """The contract path (template) serving ``path``, with its operations by method."""
        return self.judge.match(path)

    def query_errors(self, operation: Operation, query: Mapping[str, Sequence[str]]) -> list[str]:
        """How the query breaks the contract, readable (empty when it holds)."""
        return [
            f"{breach.parts[0]} breaks its schema ({breach.keyword})"
            for breach in self.judge.query(operation, query)
        ]


def gateway_rules(contract: Contract) -> GatewayRules:
    """Compile what the double enforces from a contract (ValueError without an API key)."""
    api_key_header = contract.api_key_header()
    if api_key_header is None:
        raise ValueError("the contract declares no API key header")
    return GatewayRules(ContractJudge(contract), api_key_header)


@cache
def default_rules() -> GatewayRules:
    """The rules of the generated package's contract (`apij_client.spec.SPEC`), compiled once."""
    return gateway_rules(effective())
