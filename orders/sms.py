"""Pluggable SMS sending, shaped like Django's email backends: SMS_BACKEND names the class.

A provider's backend subclasses BaseSmsBackend and implements `send_messages`. The console backend
(the default) prints messages; the locmem backend keeps them in `outbox` for tests.
"""

import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class BaseSmsBackend:
    def send_messages(self, messages: list[SmsMessage]) -> int:
        """Send the messages; return how many were sent. Raise on a failure worth retrying."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    _lock = threading.Lock()

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send_messages(self, messages: list[SmsMessage]) -> int:
        with self._lock:
            for message in messages:
                self.stream.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")
            self.stream.flush()
        return len(messages)


outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    def send_messages(self, messages: list[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def send_sms(*, to: str, body: str) -> int:
    return import_string(settings.SMS_BACKEND)().send_messages([SmsMessage(to=to, body=body)])
