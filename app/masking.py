"""Mask numbers that look like personal data (NIK, phone numbers, e-mail) in free text."""

from __future__ import annotations

import ipaddress
import re

# A NIK (nomor induk kependudukan) has 16 digits, often grouped by spaces or dashes.
# Dots are not separators here, so coordinates with many decimals stay readable.
NIK = re.compile(r"(?<![\d.])(?:\d[ -]?){15}\d(?![\d])")
# Indonesian mobile numbers (08.., 628.., +62 8..) and Jabodetabek landlines (021).
PHONE = re.compile(
    r"(?<![\d+])(?:\+?62[ .-]?|0)8(?:[ .-]?\d){7,11}(?!\d)"
    r"|(?<!\d)\(?(?:\+?62[ .-]?|0)21\)?[ .-]?\d{3,4}[ .-]?\d{3,4}(?!\d)"
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# Candidates only: each match is checked with the ipaddress module, so clock
# times such as 12:30:45 stay, and compressed IPv6 forms such as 2001:db8::1
# are caught. A trailing dot (end of a sentence) is not part of the address.
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?![\w:])")


def _hide_digits(match: re.Match) -> str:
    return re.sub(r"\d", "*", match.group(0))


def mask_personal_numbers(text: str | None) -> str | None:
    """Replace the digits of NIK-like and phone-like numbers, and e-mail addresses.

    The text around them is kept, so a description stays readable.
    """
    if not text:
        return text
    text = NIK.sub(_hide_digits, text)
    text = PHONE.sub(_hide_digits, text)
    return EMAIL.sub("[email]", text)


def _hide_address(match: re.Match) -> str:
    """Replace an IP address, except loopback and wildcard addresses of this machine."""
    found = match.group(0)
    address = found.rstrip(".")
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return found
    if parsed.is_loopback or parsed.is_unspecified:
        return found
    return "[ip]" + found[len(address):]


def mask_for_log(text: str) -> str:
    """Mask personal data and IP addresses in a log message."""
    text = mask_personal_numbers(text) or ""
    text = IPV6.sub(_hide_address, text)
    return IPV4.sub(_hide_address, text)
