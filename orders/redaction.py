"""What may appear in logs and stored notes: phone numbers only by their last 4 digits, pickup codes never."""


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "••••" + (f" {digits[-4:]}" if len(digits) > 4 else "")


def redact(text: str, *, phone: str = "", code: str = "") -> str:
    """`text` with a full phone number masked and a pickup code hidden, however a provider spaced them."""
    for secret, replacement in ((phone, mask_phone(phone)), (code, "[pickup code]")):
        if secret:
            text = text.replace(secret, replacement)
            compact = "".join(ch for ch in secret if ch.isdigit())
            if compact:
                text = text.replace(compact, replacement)
    return text
