"""Constants of the CNAM double, shared by its modules, the CLI and the pytest plugin."""

from typing import Final

# Where the in-process double answers by default: the spec's test base path on a host that can
# never resolve (RFC 6761 `.invalid`), so a test that forgets the double fails at once instead
# of reaching CNAM's real test gateway. The sandbox mirrors the path.
SANDBOX_BASE_URL: Final = "https://apij-double.invalid/test/v1/indemnites-journalieres"
# Synthetic partner API key accepted by the double (never a real CNAM key).
SANDBOX_API_KEY: Final = "sandbox-cle-partenaire-0000000000000001"
# Per-call fault switch: honoured only when present, so contract-driven tests never trip it.
FAULT_HEADER: Final = "X-Apij-Double-Fault"
# FranceConnect scope that grants access to IJ payments.
SCOPE_PAIEMENTS_IJ: Final = "cnam_paiements_ij"
INSTALL_HINT: Final = "pip install 'apij[double]'"
