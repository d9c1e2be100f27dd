"""``TransactWriteItems`` with a ``ClientRequestToken``, as DynamoDB keeps it (the ``dynamodb`` extension).

"Providing a ClientRequestToken makes the call to TransactWriteItems idempotent, meaning that multiple
identical calls have the same effect as one single call ... A client request token is valid for 10
minutes after the first request that uses it is completed ... If you submit a request with the same
client token but a change in other parameters within the 10-minute idempotency window, DynamoDB returns
an IdempotentParameterMismatch exception."
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html)

moto 5.2 ignores the token: the same transaction sent twice is applied twice. Here a token is
remembered, per account and Region, once its transaction has committed; the window runs on the lab
clock (``aws.clock.advance(601)`` ends it). A transaction that was cancelled does not keep its token
(nothing was written, so sending it again is a new attempt).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cloud.patching import Patcher, seam

if TYPE_CHECKING:
    from .cloud.session import MockSession

WINDOW_S = 600.0   # "valid for 10 minutes after the first request that uses it is completed"

TRANSACT_TOKEN = seam(
    "moto.dynamodb.responses:DynamoHandler.transact_write_items", extension="dynamodb",
    why="moto ignores ClientRequestToken: DynamoDB applies the same transaction once within 10 minutes "
        "and refuses the token with other parameters (IdempotentParameterMismatchException)")


@dataclass
class _Seen:
    fingerprint: str
    at: float


class ClientTokens:
    """Committed transactions by (account, Region, token), for 10 lab-clock minutes."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._seen: dict[tuple[str, str, str], _Seen] = {}
        self._lock = threading.Lock()

    @staticmethod
    def fingerprint(body: dict[str, Any]) -> str:
        """Every parameter but the token, canonically: a change in any is a mismatch."""
        return json.dumps({k: v for k, v in body.items() if k != "ClientRequestToken"}, sort_keys=True)

    def seen(self, key: tuple[str, str, str], body: dict[str, Any]) -> bool:
        """True when this token already committed these parameters within the window.

        Raises ``IdempotentParameterMismatchException`` when it committed other parameters.
        """
        with self._lock:
            entry = self._seen.get(key)
            if entry is None or self._now() - entry.at > WINDOW_S:
                self._seen.pop(key, None)
                return False
        if entry.fingerprint != self.fingerprint(body):
            from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException

            raise DynamodbException(
                ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
                "DynamoDB rejected the request because you retried a request with a different payload "
                f"but with an idempotent token that was already used: {key[2]!r}. Use a new "
                "ClientRequestToken for a different transaction, or send the same parameters again.")
        return True

    def committed(self, key: tuple[str, str, str], body: dict[str, Any]) -> None:
        with self._lock:
            self._seen[key] = _Seen(self.fingerprint(body), self._now())


def _transact_write_items(original: Callable[[Any], Any], tokens: ClientTokens) -> Callable[[Any], Any]:
    """moto's ``DynamoHandler.transact_write_items`` that honours ``ClientRequestToken``."""
    def handler(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        key = (self.current_account, self.region, token)
        if tokens.seen(key, self.body):
            from moto.core.responses import ActionResult

            return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
        result = original(self)        # raises TransactionCanceledException: the token is not kept
        tokens.committed(key, self.body)
        return result
    return handler


class DynamoDbHandle:
    """The running ``dynamodb`` extension of one session (``aws.extension("dynamodb")``)."""

    def __init__(self, session: MockSession) -> None:
        self.tokens = ClientTokens(session.clock.now)
        self._patcher = Patcher()

    def start(self) -> DynamoDbHandle:
        self._patcher.on_import(TRANSACT_TOKEN.module, lambda _m: self._patcher.replace(
            TRANSACT_TOKEN, _transact_write_items(TRANSACT_TOKEN.current(), self.tokens)))
        return self

    def stop(self) -> None:
        self._patcher.undo()

    def __repr__(self) -> str:
        return "<dynamodb: TransactWriteItems idempotency tokens>"


def activate(session: MockSession) -> DynamoDbHandle:
    """Extension entry point (see ``serverless_lab.cloud.extensions``)."""
    return DynamoDbHandle(session).start()
