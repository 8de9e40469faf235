"""Constants of the CNAM double that cost nothing to import (the pytest plugin reads them)."""

from typing import Final

# The spec's test server: the double answers there by default, and the sandbox mirrors its path.
SANDBOX_BASE_URL: Final = "https://partenaires.api.ameli.fr/test/v1/indemnites-journalieres"
# Synthetic partner API key accepted by the double (never a real CNAM key).
SANDBOX_API_KEY: Final = "sandbox-cle-partenaire-0000000000000001"
# Per-call fault switch: honoured only when present, so contract-driven tests never trip it.
FAULT_HEADER: Final = "X-Apij-Double-Fault"
# FranceConnect scope that grants access to IJ payments.
SCOPE_PAIEMENTS_IJ: Final = "cnam_paiements_ij"
INSTALL_HINT: Final = "pip install 'apij[double]'"
