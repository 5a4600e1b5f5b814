"""The API's JSON parser: DRF's, reading the body through the shared checked parser (core/input.py), so
deep nesting, lone surrogates, NUL characters and NaN are a 400 `parse_error`, never a 500."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.input import UnrepresentableInput, json_body


class CheckedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return json_body(stream.read() if stream is not None else b"")
        except UnrepresentableInput as refusal:
            raise ParseError(refusal.message) from None
