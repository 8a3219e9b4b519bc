"""Check the reporter token that proves a citizen filed a complaint."""

from __future__ import annotations

import hmac

from app.errors import ApiError
from app.intake import hash_token
from app.models import Complaint

# Tokens from app.intake are 32 characters; anything much longer is not one.
TOKEN_MAX_LENGTH = 200


def reporter_token_matches(complaint: Complaint, token: str | None) -> bool:
    """Return whether token is the one handed out when the complaint was filed."""
    expected = complaint.reporter_token_hash
    if not token or expected is None or len(token) > TOKEN_MAX_LENGTH:
        return False
    return hmac.compare_digest(hash_token(token), expected)


def check_reporter_token(complaint: Complaint, token: str | None) -> None:
    """Raise unless token is the complaint's reporter token.

    Raises:
        ApiError: 403 invalid_reporter_token when the token is missing or wrong.
    """
    if reporter_token_matches(complaint, token):
        return
    code = complaint.tracking_code
    raise ApiError(
        403,
        "invalid_reporter_token",
        f"Kode pelapor tidak cocok dengan aduan {code}. Hanya pelapor yang dapat "
        "melakukan ini: buka tautan yang ditampilkan saat aduan dikirim.",
        f"The reporter token does not match complaint {code}. Only the reporter may "
        "do this: open the link shown when the complaint was filed.",
        field="reporter_token",
    )
